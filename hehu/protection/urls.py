from django.urls import include, path

app_name = "protection"

urlpatterns = [
    path("", include("hehu.protection.views.reports")),
    path("", include("hehu.protection.views.placements")),
    path("", include("hehu.protection.views.interventions")),
]
