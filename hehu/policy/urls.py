"""Pages of the policy engine (included at the site root by config.urls)."""

from django.urls import include, path

from hehu.policy import views

app_name = "policy"

urlpatterns = [
    path("", include("hehu.policy.lifecycle_urls")),
    path("", include("hehu.policy.simulation.urls")),
    path("policies/", views.policy_list, name="list"),
    path("policies/<str:policy_id>/<str:version>/", views.policy_detail, name="detail"),
    path("children/<int:pk>/classify/", views.child_recompute, name="child_recompute"),
]
