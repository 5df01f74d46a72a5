from django.urls import URLPattern

app_name = "supply"

urlpatterns: list[URLPattern] = []
