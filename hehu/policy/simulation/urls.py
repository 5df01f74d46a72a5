"""Pages of simulations and of coverage gaps (included by hehu.policy.urls: "policy:")."""

from django.urls import include, path

from hehu.policy.simulation import views

urlpatterns = [
    path("simulations/", views.simulation_list, name="simulations"),
    path("simulations/new/", views.simulation_start, name="simulation_start"),
    path("simulations/<int:pk>/", views.simulation_detail, name="simulation"),
    path("simulations/<int:pk>/changes/", views.simulation_changes, name="simulation_changes"),
    path("simulations/<int:pk>/export.xlsx", views.simulation_download, name="simulation_export"),
    path("", include("hehu.policy.gaps.urls")),
]
