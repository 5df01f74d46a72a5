from django.urls import include, path

app_name = "protection"

urlpatterns = [
    path("", include("hehu.protection.views.reports")),
    path("", include("hehu.protection.views.report_desk")),
    path("", include("hehu.protection.views.placements")),
    path("", include("hehu.protection.views.facilities")),
    path("", include("hehu.protection.views.interventions")),
]
