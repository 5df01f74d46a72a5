"""Pages of the supervision of fund use: the county's anomalies, one anomaly, its
resolution ("supervision:"; a work item of kind benefit_anomaly opens
`supervision:anomaly` with the anomaly's id)."""

from django.urls import URLPattern, path

from hehu.benefits.report_views import supervision

app_name = "supervision"

urlpatterns: list[URLPattern] = [
    path("benefits/anomalies/", supervision.anomaly_list_page, name="anomalies"),
    path("benefits/anomalies/<int:anomaly_id>/", supervision.anomaly_page, name="anomaly"),
    path(
        "benefits/anomalies/<int:anomaly_id>/resolve/",
        supervision.anomaly_resolve,
        name="resolve",
    ),
]
