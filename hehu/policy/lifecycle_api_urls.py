"""API routes of the policy lifecycle, included by hehu.policy.api_urls under /api/v1/."""

from django.urls import path

from hehu.policy import lifecycle_api as api

VERSION = "policies/<str:policy_id>/<str:version>"

urlpatterns = [
    path("policies/drafts/", api.DraftsApi.as_view(), name="policy_drafts"),
    path(f"{VERSION}/review/", api.ReviewApi.as_view(), name="policy_review"),
    path(f"{VERSION}/approve/", api.ApproveApi.as_view(), name="policy_approve"),
    path(f"{VERSION}/retire/", api.RetireApi.as_view(), name="policy_retire"),
    path(f"{VERSION}/return/", api.ReturnApi.as_view(), name="policy_return"),
]
