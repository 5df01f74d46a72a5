"""Pages of the policy lifecycle, included by hehu.policy.urls (namespace policy:lifecycle).

Included before the policy pages: /policies/drafts/new/ would otherwise read as the
policy "drafts", version "new".
"""

from django.urls import path

from hehu.policy import lifecycle_views as views

app_name = "lifecycle"

VERSION = "policies/<str:policy_id>/<str:version>"

urlpatterns = [
    path("policies/drafts/", views.drafts, name="drafts"),
    path("policies/drafts/new/", views.draft_new, name="draft_new"),
    path(f"{VERSION}/lifecycle/", views.version_page, name="version"),
    path(f"{VERSION}/edit/", views.draft_edit, name="edit"),
    path(f"{VERSION}/review/", views.review, name="review"),
    path(f"{VERSION}/approve/", views.approve, name="approve"),
    path(f"{VERSION}/retire/", views.retire, name="retire"),
    path(f"{VERSION}/return/", views.return_to_draft, name="return"),
]
