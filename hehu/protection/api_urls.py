from django.urls import include, path

urlpatterns = [
    path("", include("hehu.protection.api.reports")),
    path("", include("hehu.protection.api.placements")),
    path("", include("hehu.protection.api.interventions")),
]
