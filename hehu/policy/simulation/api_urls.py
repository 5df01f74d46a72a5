"""API routes of simulations and coverage gaps (included by hehu.policy.api_urls)."""

from django.urls import path

from hehu.policy.gaps import api as gaps_api
from hehu.policy.simulation import api

urlpatterns = [
    path("simulations/", api.SimulationListApi.as_view(), name="simulations"),
    path("simulations/<int:pk>/", api.SimulationDetailApi.as_view(), name="simulation"),
    path(
        "simulations/<int:pk>/changes/",
        api.SimulationChangesApi.as_view(),
        name="simulation_changes",
    ),
    path("coverage-gaps/", gaps_api.CoverageGapsApi.as_view(), name="coverage_gaps"),
]
