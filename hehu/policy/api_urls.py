"""API routes of the policy engine, included by hehu.api.urls under /api/v1/."""

from django.urls import include, path

from hehu.policy import api

urlpatterns = [
    path("", include("hehu.policy.lifecycle_api_urls")),
    path("", include("hehu.policy.simulation.api_urls")),
    path("classify", api.ClassifyApi.as_view(), name="classify"),
    path(
        "children/<int:child_id>/classification/",
        api.ChildClassificationApi.as_view(),
        name="child_classification",
    ),
    path("policies/", api.PolicyListApi.as_view(), name="policies"),
    path(
        "policies/<str:policy_id>/<str:version>/",
        api.PolicyDetailApi.as_view(),
        name="policy",
    ),
]
