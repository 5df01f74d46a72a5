"""Benefit pages: the county's payment desk, a payment cycle, a child's benefits."""

from django.urls import URLPattern, URLResolver, include, path

app_name = "benefits"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("hehu.benefits.views.desk")),
    path("", include("hehu.benefits.views.cycles")),
    path("", include("hehu.benefits.views.bank")),
    path("", include("hehu.benefits.views.children")),
    path("", include("hehu.benefits.views.child_forms")),
]
