"""Included by hehu/api/urls.py under /api/v1/audit/ (names in the `api` namespace)."""

from django.urls import path

from hehu.audit.api import AuditListApi

urlpatterns = [
    path("", AuditListApi.as_view(), name="audit-list"),
]
