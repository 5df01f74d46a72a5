from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from hehu.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("regions/", include("hehu.regions.api_urls")),
    path("", include("hehu.accounts.api_urls")),
    path("", include("hehu.registry.api_urls")),
    path("audit/", include("hehu.audit.api_urls")),
    path("", include("hehu.policy.api_urls")),
    path("", include("hehu.cases.api_urls")),
    path("", include("hehu.protection.api_urls")),
    path("", include("hehu.supply.api_urls")),
    path("", include("hehu.benefits.api_urls")),
    path("", include("hehu.benefits.report_api_urls")),
]
