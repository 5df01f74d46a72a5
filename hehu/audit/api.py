"""GET /api/v1/audit/ — the audit log through the API, with the rules of the pages.

`?child=<id>` reads one child's trail (administrators: the whole trail of a child in their
jurisdiction; township supervisors and county civil-affairs officers: who read a file they
can open; anyone else: 404). Without `child`, only administrators may search (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import AuditEntry, Verb
from hehu.audit.selectors import AuditFilters, apply_filters, audit_search, audit_trail_for_child
from hehu.audit.services import audit_log_viewed
from hehu.core.errors import PermissionRefused


class AuditQuerySerializer(serializers.Serializer[Any]):
    child = serializers.IntegerField(min_value=1, required=False, help_text="儿童档案编号")
    actor = serializers.CharField(max_length=150, required=False, help_text="操作人用户名")
    verb = serializers.ChoiceField(choices=Verb.choices, required=False)
    date_from = serializers.DateField(required=False, help_text="开始日期（含），本地时间")
    date_to = serializers.DateField(required=False, help_text="结束日期（含），本地时间")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError({"date_to": [_("结束日期不能早于开始日期")]})
        return attrs

    def filters(self) -> AuditFilters:
        data = self.validated_data
        return AuditFilters(
            actor=data.get("actor", "").strip(),
            verb=data.get("verb", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            child_id=data.get("child"),
        )


class AuditEntrySerializer(serializers.Serializer[AuditEntry]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    actor_name = serializers.CharField(source="actor.full_name", allow_null=True, default=None)
    verb = serializers.CharField()
    verb_label = serializers.CharField(source="get_verb_display")
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    child_id = serializers.IntegerField(allow_null=True)
    changes = serializers.JSONField()
    ip = serializers.SerializerMethodField()
    reason = serializers.CharField()

    def get_ip(self, entry: AuditEntry) -> str | None:
        # Those who see only "who read this file" do not get their colleagues' addresses.
        return entry.ip if self.context.get("complete") else None


class AuditListApi(ListAPIView[AuditEntry]):
    serializer_class = AuditEntrySerializer

    def _filters(self) -> AuditFilters:
        if not hasattr(self, "_parsed"):
            query = AuditQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            self._parsed = query.filters()
        return self._parsed

    def get_queryset(self) -> QuerySet[AuditEntry]:
        filters, user = self._filters(), self.request.user
        if filters.child_id is not None:
            return apply_filters(
                audit_trail_for_child(user=user, child_id=filters.child_id), filters
            )
        if not has_perm(user, Perm.VIEW_AUDIT):
            raise PermissionRefused(_("您的账号没有查询审计记录的权限"))
        return audit_search(user=user, filters=filters)

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "complete": has_perm(self.request.user, Perm.VIEW_AUDIT),
        }

    @extend_schema(parameters=[AuditQuerySerializer], summary="审计记录")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = self.list(request, *args, **kwargs)
        filters = self._filters()
        # Reached only after the trail's access check when `child` is given (404 otherwise).
        audit_log_viewed(actor=request.user, child_id=filters.child_id, filters=filters.as_dict())
        return response
