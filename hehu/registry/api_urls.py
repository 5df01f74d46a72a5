"""API routes of the registry, included by hehu.api.urls under /api/v1/."""

from django.urls import path

from hehu.registry import api

urlpatterns = [
    path("children/", api.ChildListApi.as_view(), name="children"),
    path("children/<int:child_id>/", api.ChildDetailApi.as_view(), name="child"),
    path("children/<int:child_id>/merge/", api.ChildMergeApi.as_view(), name="child-merge"),
    path(
        "children/<int:child_id>/reveal-id/",
        api.ChildRevealIdApi.as_view(),
        name="child-reveal-id",
    ),
    path("children/<int:child_id>/history/", api.ChildHistoryApi.as_view(), name="child-history"),
    path(
        "children/<int:child_id>/attachments/",
        api.ChildAttachmentsApi.as_view(),
        name="child-attachments",
    ),
    path("children/<int:child_id>/facts/", api.ChildFactsApi.as_view(), name="child-facts"),
    path("facts/import/", api.FactsImportApi.as_view(), name="facts-import"),
    path("facts/schema/", api.FactsSchemaApi.as_view(), name="facts-schema"),
]
