"""Pages of case management (included at the site root by config.urls)."""

from django.urls import include, path

app_name = "cases"

urlpatterns = [
    path("", include("hehu.cases.views.cases")),
    path("", include("hehu.cases.views.assessments")),
    path("", include("hehu.cases.views.plans")),
    path("", include("hehu.cases.views.visits")),
    path("", include("hehu.cases.views.recognition")),
    path("", include("hehu.cases.views.worklist")),
]
