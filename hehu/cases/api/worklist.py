"""GET /api/v1/worklist/: one's due and overdue items; POST /api/v1/worklist/sweep/ queues
the deadline sweep (global: only roles with RUN_SWEEP) and answers 202 with the task id."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.models import Level, WorkItem
from hehu.cases.worklist import (
    VIEWS,
    WorklistRow,
    worklist_counts,
    worklist_for,
    worklist_page_items,
    worklist_rows,
)
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.serializers import RegistryErrorOutput

LEVELS = ", ".join(Level.values)
PAGE_SIZE = 25


class WorklistQuery(serializers.Serializer[Any]):
    view = serializers.ChoiceField(choices=list(VIEWS), required=False, default="mine")
    kind = serializers.ChoiceField(choices=WorkItem.Kind.choices, required=False)
    page = serializers.IntegerField(required=False, min_value=1)


class RuleOutput(serializers.Serializer[Any]):
    zh = serializers.CharField()
    en = serializers.CharField()


class WorkItemOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="item.id")
    kind = serializers.CharField(source="item.kind")
    kind_label = serializers.CharField()
    child_id = serializers.IntegerField(allow_null=True)
    child_name = serializers.CharField()
    case_id = serializers.IntegerField(source="item.case_id", allow_null=True)
    application_id = serializers.IntegerField(source="item.application_id", allow_null=True)
    url = serializers.CharField(help_text="the page where the item is acted on")
    region_code = serializers.CharField(source="item.region_code")
    region_name = serializers.CharField()
    origin_level = serializers.CharField(help_text=f"who must act first: {LEVELS}")
    level = serializers.CharField(help_text=f"the level it reached (escalation): {LEVELS}")
    escalated = serializers.BooleanField()
    due_on = serializers.DateField()
    due_at = serializers.DateTimeField(
        source="item.due_at",
        allow_null=True,
        help_text="for a clock counted in hours (a court's 72 hours, police feedback): the moment",
    )
    provisional = serializers.BooleanField(help_text="counted without the year's calendar")
    overdue = serializers.BooleanField()
    days = serializers.IntegerField(help_text="days left; negative when overdue")
    working_days = serializers.BooleanField(help_text="`days` counts working days")
    days_text = serializers.CharField()
    rule = serializers.SerializerMethodField()

    @extend_schema_field(RuleOutput(allow_null=True))
    def get_rule(self, row: WorklistRow) -> dict[str, str] | None:
        """The rule that set the date (zh/en); null where the role may not see it."""
        if not row.rule:
            return None
        rule = row.item.rule or {}
        return {"zh": str(rule.get("zh", "")), "en": str(rule.get("en", ""))}


WorklistPageOutput = inline_serializer(
    "WorklistPage",
    {
        "count": serializers.IntegerField(),
        "overdue": serializers.IntegerField(help_text="overdue items of the list (all kinds)"),
        "due_this_week": serializers.IntegerField(),
        "by_kind": serializers.DictField(child=serializers.IntegerField()),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "results": WorkItemOutput(many=True),
    },
)


class WorklistApi(APIView):
    """The caller's work list, overdue first then by due date: `view` mine (the caller's
    level must act), escalated (raised to the caller's level or beyond) or all; `kind`
    filters; 25 a page. Items due within 14 days and every overdue item."""

    @extend_schema(
        operation_id="worklist_list",
        parameters=[WorklistQuery],
        responses={
            200: WorklistPageOutput,
            400: RegistryErrorOutput,
            403: RegistryErrorOutput,
            404: RegistryErrorOutput,
        },
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.VIEW_WORKLIST):
            raise PermissionRefused(_("您的账号没有待办事项"))
        query = WorklistQuery(data=request.query_params)
        if not query.is_valid():
            raise ValidationFailed({k: [str(e) for e in v] for k, v in query.errors.items()})
        today = timezone.localdate()
        items: QuerySet[WorkItem] = worklist_for(
            user=request.user, as_of=today, view=query.validated_data["view"]
        )
        counts = worklist_counts(items=items, as_of=today)
        kind = query.validated_data.get("kind")
        if kind:
            items = items.filter(kind=kind)
        # The header's aggregate already counted the rows: no second COUNT for the page.
        paginator = Paginator(worklist_page_items(items), PAGE_SIZE)
        paginator.__dict__["count"] = counts.by_kind.get(kind, 0) if kind else counts.total
        try:
            page = paginator.page(query.validated_data.get("page", 1))
        except EmptyPage:
            raise NotFound(_("没有这一页")) from None
        rows = worklist_rows(items=list(page.object_list), user=request.user, as_of=today)
        url = request.build_absolute_uri()
        return Response(
            {
                "count": paginator.count,
                "overdue": counts.overdue,
                "due_this_week": counts.due_this_week,
                "by_kind": counts.by_kind,
                "next": replace_query_param(url, "page", page.next_page_number())
                if page.has_next()
                else None,
                "previous": replace_query_param(url, "page", page.previous_page_number())
                if page.has_previous()
                else None,
                "results": WorkItemOutput(rows, many=True).data,
            }
        )


SweepQueued = inline_serializer(
    "SweepQueued",
    {
        "task_id": serializers.CharField(),
        "as_of": serializers.DateField(),
        "status": serializers.CharField(help_text="queued; the counts go to the audit log"),
    },
)


class SweepApi(APIView):
    """Run the deadline sweep now (it runs nightly anyway): global, so only roles that may
    run it. Queued on the workers; 202 with the task id. The sweep audits its counts
    (verb deadlines.swept)."""

    @extend_schema(
        operation_id="worklist_sweep",
        request=None,
        responses={202: SweepQueued, 403: RegistryErrorOutput},
    )
    def post(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.RUN_SWEEP):
            raise PermissionRefused(_("您的账号不能运行期限巡查"))
        from hehu.cases.tasks import deadlines_sweep_task

        as_of = timezone.localdate()
        result = deadlines_sweep_task.delay(as_of.isoformat())
        # Who asked for it (the sweep itself then audits its counts, as every night).
        audit_record(
            actor=request.user,
            verb=Verb.DEADLINES_SWEPT,
            object_type="sweep_request",
            object_id=result.id,
            changes={"as_of": as_of.isoformat(), "queued": True},
        )
        return Response({"task_id": result.id, "as_of": as_of, "status": "queued"}, status=202)


urlpatterns: list[URLPattern | URLResolver] = [
    path("worklist/", WorklistApi.as_view(), name="worklist"),
    path("worklist/sweep/", SweepApi.as_view(), name="worklist_sweep"),
]
