"""Benefit reports and fund-use anomalies on the API (/api/v1/benefits/...)."""

from django.urls import URLPattern, path

from hehu.benefits.report_api import anomalies, reports

urlpatterns: list[URLPattern] = [
    path("benefits/statements/", reports.StatementApi.as_view(), name="benefits-statement"),
    path("benefits/budget/", reports.BudgetApi.as_view(), name="benefits-budget"),
    path("benefits/anomalies/", anomalies.AnomaliesApi.as_view(), name="benefits-anomalies"),
    path(
        "benefits/anomalies/kinds/",
        anomalies.AnomalyKindsApi.as_view(),
        name="benefits-anomaly-kinds",
    ),
    path(
        "benefits/anomalies/<int:anomaly_id>/",
        anomalies.AnomalyApi.as_view(),
        name="benefits-anomaly",
    ),
    path(
        "benefits/anomalies/<int:anomaly_id>/resolve/",
        anomalies.ResolveApi.as_view(),
        name="benefits-anomaly-resolve",
    ),
]
