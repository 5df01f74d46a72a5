"""Service plans over the API.

`GET/POST /api/v1/cases/<case_id>/plans/` lists a case's plans or starts a draft;
`GET/PUT /api/v1/plans/<id>/` reads a plan or replaces its summary, goals and items (with
the `version` read; a stale one is refused with 409 and nothing saved);
`POST /api/v1/plans/<id>/submit|review|approve|return/` moves it along. An item's `goal`
is the index of its goal in `goals` (null: no goal). Amounts are yuan with two decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.models import Department
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.access import access_case_by_id
from hehu.cases.models import PlanGoal, PlanItem, ServicePlan
from hehu.cases.services.plans import (
    GoalData,
    ItemData,
    access_plan_by_id,
    need_label,
    plan_approve,
    plan_draft,
    plan_return,
    plan_review,
    plan_submit,
    plan_update,
    plans_of_case,
    support_label,
)
from hehu.registry.serializers import RefusalOutput, validated_input


# -- shapes -------------------------------------------------------------------------------------
class PlanGoalInput(serializers.Serializer[Any]):
    need = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text=_lazy("需求领域代码，如 education"),
    )
    description = serializers.CharField(required=False, default="", allow_blank=True)


class PlanItemInput(serializers.Serializer[Any]):
    goal = serializers.IntegerField(
        required=False,
        default=None,
        allow_null=True,
        help_text=_lazy("对应目标在 goals 中的序号（从 0 起）"),
    )
    kind = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text=_lazy("cash / in_kind / service"),
    )
    support = serializers.CharField(required=False, default="", allow_blank=True)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    provider_department = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text=_lazy("部门代码（与提供机构二选一）"),
    )
    provider_organisation = serializers.IntegerField(
        required=False,
        default=None,
        allow_null=True,
        help_text=_lazy("社会组织编号（与部门二选一）"),
    )
    quantity = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, default=None, allow_null=True
    )
    unit = serializers.CharField(required=False, default="", allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        required=False,
        default=None,
        allow_null=True,
        help_text=_lazy("金额（元），最多两位小数"),
    )
    frequency = serializers.CharField(required=False, default="", allow_blank=True)
    starts_on = serializers.DateField(required=False, default=None, allow_null=True)
    ends_on = serializers.DateField(required=False, default=None, allow_null=True)
    responsible = serializers.IntegerField(
        required=False, default=None, allow_null=True, help_text=_lazy("责任人账号编号")
    )
    responsible_name = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text=_lazy("责任人姓名（无账号时）"),
    )


class PlanUpdateInput(serializers.Serializer[Any]):
    summary = serializers.CharField(required=False, default="", allow_blank=True)
    goals = PlanGoalInput(many=True)
    items = PlanItemInput(many=True)
    version = serializers.IntegerField(help_text=_lazy("读取时的版本号"))


class PlanDraftInput(serializers.Serializer[Any]):
    copy_last = serializers.BooleanField(
        required=False, default=True, help_text=_lazy("以最近批准的计划为基础")
    )


class PlanStepInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(
        required=False, default=None, allow_null=True, help_text=_lazy("读取时的版本号")
    )


class PlanReturnInput(PlanStepInput):
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class PlanGoalOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    need = serializers.CharField()
    need_label = serializers.CharField()
    description = serializers.CharField()


class PlanItemOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    goal = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField(help_text="cash / in_kind / service")
    support = serializers.CharField()
    support_label = serializers.CharField()
    description = serializers.CharField()
    provider_department = serializers.CharField()
    provider_organisation = serializers.IntegerField(allow_null=True)
    provider_label = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    unit = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    frequency = serializers.CharField(help_text=" / ".join(PlanItem.Frequency.values))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    responsible = serializers.IntegerField(allow_null=True)
    responsible_name = serializers.CharField()


class PlanSummaryOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    case = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField(help_text=" / ".join(ServicePlan.Status.values))
    status_label = serializers.CharField()
    summary = serializers.CharField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = serializers.CharField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField()
    review_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class PlanOutput(PlanSummaryOutput):
    goals = PlanGoalOutput(many=True)
    items = PlanItemOutput(many=True)


REFUSALS: dict[int, Any] = {
    400: RefusalOutput,
    403: RefusalOutput,
    404: OpenApiResponse(OpenApiTypes.OBJECT),
    409: RefusalOutput,
}


# -- helpers ------------------------------------------------------------------------------------
def _who(user: Any) -> str | None:
    return None if user is None else (user.full_name or user.username)


def _summary(plan: ServicePlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "case": plan.case_id,
        "number": plan.number,
        "status": plan.status,
        "status_label": str(ServicePlan.Status(plan.status).label),
        "summary": plan.summary,
        "created_at": plan.created_at,
        "submitted_at": plan.submitted_at,
        "reviewed_by": _who(plan.reviewed_by),
        "reviewed_at": plan.reviewed_at,
        "approved_by": _who(plan.approved_by),
        "approved_at": plan.approved_at,
        "return_reason": plan.return_reason,
        "review_on": plan.review_on,
        "version": plan.version,
    }


def _provider(item: PlanItem) -> str:
    if item.provider_organisation is not None:
        return item.provider_organisation.name
    if item.provider_department:
        return str(Department(item.provider_department).label)
    return ""


def plan_output(plan: ServicePlan) -> dict[str, Any]:
    """A plan with its goals and items, as the API and the page's tests read it."""
    goals = list(PlanGoal.objects.filter(plan=plan))
    index = {goal.pk: i for i, goal in enumerate(goals)}
    items = PlanItem.objects.filter(plan=plan).select_related(
        "provider_organisation", "responsible"
    )
    return {
        **_summary(plan),
        "goals": [
            {
                "id": g.pk,
                "need": g.need,
                "need_label": need_label(g.need),
                "description": g.description,
            }
            for g in goals
        ],
        "items": [
            {
                "id": i.pk,
                "goal": index.get(i.goal_id) if i.goal_id else None,
                "kind": i.kind,
                "support": i.support,
                "support_label": support_label(i.kind, i.support),
                "description": i.description,
                "provider_department": i.provider_department,
                "provider_organisation": i.provider_organisation_id,
                "provider_label": _provider(i),
                "quantity": i.quantity,
                "unit": i.unit,
                "amount": i.amount,
                "frequency": i.frequency,
                "starts_on": i.starts_on,
                "ends_on": i.ends_on,
                "responsible": i.responsible_id,
                "responsible_name": _who(i.responsible) or i.responsible_name,
            }
            for i in items
        ],
    }


def _viewed(request: Request, plan: ServicePlan) -> None:
    audit_record(
        actor=request.user,
        verb=Verb.CASE_VIEWED,
        object_type="plan",
        object_id=plan.pk,
        child_id=plan.case.child_id,
        changes={"case": plan.case_id, "via": "api"},
    )


def _goal(row: dict[str, Any]) -> GoalData:
    return GoalData(need=row["need"], description=row["description"])


def _item(row: dict[str, Any]) -> ItemData:
    return ItemData(
        kind=row["kind"],
        support=row["support"],
        frequency=row["frequency"],
        starts_on=row["starts_on"],
        goal=row["goal"],
        description=row["description"],
        provider_department=row["provider_department"],
        provider_organisation_id=row["provider_organisation"],
        quantity=row["quantity"],
        unit=row["unit"],
        amount=row["amount"],
        ends_on=row["ends_on"],
        responsible_id=row["responsible"],
        responsible_name=row["responsible_name"],
    )


# -- endpoints ----------------------------------------------------------------------------------
class CasePlansApi(APIView):
    """The plans of one case, newest first; a new draft."""

    @extend_schema(
        operation_id="case_plans_list", responses={200: PlanSummaryOutput(many=True), **REFUSALS}
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        audit_record(
            actor=request.user,
            verb=Verb.CASE_VIEWED,
            object_type="case",
            object_id=case.pk,
            child_id=case.child_id,
            changes={"part": "plans", "via": "api"},
        )
        plans = plans_of_case(case=case)
        return Response(PlanSummaryOutput([_summary(p) for p in plans], many=True).data)

    @extend_schema(
        operation_id="case_plans_create",
        request=PlanDraftInput,
        responses={201: PlanOutput, **REFUSALS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        data = validated_input(PlanDraftInput(data=request.data))
        plan = plan_draft(actor=request.user, case=case, copy_last=data["copy_last"])
        return Response(PlanOutput(plan_output(plan)).data, status=201)


class PlanApi(APIView):
    """One plan with its goals and items; replacing them (a draft or a returned plan)."""

    @extend_schema(operation_id="plan_read", responses={200: PlanOutput, **REFUSALS})
    def get(self, request: Request, plan_id: int) -> Response:
        plan = access_plan_by_id(request.user, plan_id)
        _viewed(request, plan)
        return Response(PlanOutput(plan_output(plan)).data)

    @extend_schema(
        operation_id="plan_update", request=PlanUpdateInput, responses={200: PlanOutput, **REFUSALS}
    )
    def put(self, request: Request, plan_id: int) -> Response:
        plan = access_plan_by_id(request.user, plan_id)
        data = validated_input(PlanUpdateInput(data=request.data))
        plan = plan_update(
            actor=request.user,
            plan=plan,
            summary=data["summary"],
            goals=[_goal(g) for g in data["goals"]],
            items=[_item(i) for i in data["items"]],
            expected_version=data["version"],
        )
        return Response(PlanOutput(plan_output(plan)).data)


def _step_view(
    operation_id: str,
    doc: str,
    step: Callable[..., ServicePlan],
    input_class: type[serializers.Serializer[Any]] = PlanStepInput,
) -> type[APIView]:
    """One step of a plan's way to approval: POST {"version"[, "reason"]} → the plan."""

    class StepApi(APIView):
        @extend_schema(
            operation_id=operation_id,
            description=doc,
            request=input_class,
            responses={200: PlanOutput, **REFUSALS},
        )
        def post(self, request: Request, plan_id: int) -> Response:
            plan = access_plan_by_id(request.user, plan_id)
            data = validated_input(input_class(data=request.data))
            extra = {"reason": data["reason"]} if "reason" in data else {}
            done = step(actor=request.user, plan=plan, expected_version=data["version"], **extra)
            return Response(PlanOutput(plan_output(done)).data)

    StepApi.__name__ = StepApi.__qualname__ = (
        "".join(part.title() for part in operation_id.split("_")) + "Api"
    )
    StepApi.__doc__ = doc
    return StepApi


SubmitApi = _step_view("plan_submit", "提交服务计划，请乡镇审核。", plan_submit)
ReviewApi = _step_view("plan_review", "乡镇审核服务计划（审批层级为乡镇时即为批准）。", plan_review)
ApproveApi = _step_view("plan_approve", "县级民政批准已审核的服务计划。", plan_approve)
ReturnApi = _step_view("plan_return", "退回服务计划，须写明理由。", plan_return, PlanReturnInput)

urlpatterns = [
    path("cases/<int:case_id>/plans/", CasePlansApi.as_view(), name="case_plans"),
    path("plans/<int:plan_id>/", PlanApi.as_view(), name="plan"),
    path("plans/<int:plan_id>/submit/", SubmitApi.as_view(), name="plan_submit"),
    path("plans/<int:plan_id>/review/", ReviewApi.as_view(), name="plan_review"),
    path("plans/<int:plan_id>/approve/", ApproveApi.as_view(), name="plan_approve"),
    path("plans/<int:plan_id>/return/", ReturnApi.as_view(), name="plan_return"),
]
