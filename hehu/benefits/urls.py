"""Benefit pages: the county's payment desk, a payment cycle, a child's benefits."""

from django.urls import URLPattern, URLResolver

app_name = "benefits"

urlpatterns: list[URLPattern | URLResolver] = []
