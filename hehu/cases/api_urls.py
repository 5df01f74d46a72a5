"""The case management API (included under /api/v1/ by hehu.api.urls)."""

from django.urls import include, path

urlpatterns = [
    path("", include("hehu.cases.api.cases")),
    path("", include("hehu.cases.api.assessments")),
    path("", include("hehu.cases.api.plans")),
    path("", include("hehu.cases.api.visits")),
    path("", include("hehu.cases.api.recognition")),
    path("", include("hehu.cases.api.worklist")),
]
