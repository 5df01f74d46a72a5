"""The guardianship intervention ladder over the API.

`GET /api/v1/children/<child_id>/interventions/` — a child's steps (oldest first) and the
ladder's open clocks (a court's decision due, an order's review, a petition to file); every
read is audited (PROTECTION_VIEWED).
`POST` the same path — record a step (201).
`POST /api/v1/children/<child_id>/interventions/revocation-needed/` — "需要撤销监护资格":
county civil affairs must petition the court when no one else does (CC art. 36); 201 when
the task is opened, 200 when it was open already.

Thin: the child through `access_protection_child_by_id` (404 whether hidden, missing or
not for this role); the service decides who may record which step and what each needs;
refusals are rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.models import WorkItem
from hehu.core.errors import PermissionRefused
from hehu.protection.models import InterventionStep
from hehu.protection.selectors import access_protection_child_by_id
from hehu.protection.services.intervention_rules import StepInput
from hehu.protection.services.interventions import (
    intervention_record,
    intervention_revocation_needed,
    intervention_steps_of,
    open_clocks_of,
)
from hehu.registry.serializers import RefusalOutput, request_user, validated_input

Step = InterventionStep.Step
Body = InterventionStep.Body


def _choices(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices)


# -- shapes ------------------------------------------------------------------------------------
class InterventionStepInput(serializers.Serializer[Any]):
    step = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("措施：") + _choices(Step.choices),
    )
    on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("日期 YYYY-MM-DD，不晚于今天；申请保护令时可省略（取申请时间的日期）"),
        error_messages={"invalid": _lazy("请按 YYYY-MM-DD 填写日期，例如 2026-03-05。")},
    )
    applied_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy(
            "申请人身安全保护令的时间（ISO 8601，带时区）："
            "法院须在其后 72 小时内裁定，紧急的 24 小时内"
        ),
        error_messages={
            "invalid": _lazy("请按 ISO 8601 填写时间，例如 2026-03-05T14:30:00+08:00。")
        },
    )
    urgent = serializers.BooleanField(
        required=False, default=False, help_text=_lazy("情况紧急（申请保护令时）")
    )
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("实施机关（省略时按本人单位）：") + _choices(Body.choices),
    )
    guardian_role = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("针对的监护人：father、mother 或 other；撤销、恢复时须为 father 或 mother"),
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("文书编号（训诫、指导令、保护令裁定、判决必填，不超过 100 字）"),
    )
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("保护令有效期至 YYYY-MM-DD（作出或延长时必填，最长 6 个月）"),
        error_messages={"invalid": _lazy("请按 YYYY-MM-DD 填写日期，例如 2026-03-05。")},
    )
    intentional_crime = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_lazy("撤销原因是对被监护人实施故意犯罪（今后不得恢复，民法典第三十八条）"),
    )
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text=_lazy("证据与事实（必填，不超过 5000 字）"),
    )
    responsible = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_lazy("承办人（必填）")
    )


class InterventionStepOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.SerializerMethodField(help_text=_lazy("措施编号（档案历史中只写编号）"))
    step = serializers.CharField(help_text=_choices(Step.choices))
    step_label = serializers.CharField(source="get_step_display")
    on = serializers.DateField()
    body = serializers.CharField(help_text=_choices(Body.choices))
    body_label = serializers.CharField(source="get_body_display")
    guardian_role = serializers.CharField()
    reference = serializers.CharField()
    evidence = serializers.CharField()
    responsible = serializers.CharField()
    urgent = serializers.BooleanField()
    decision_due_at = serializers.DateTimeField(
        allow_null=True, help_text=_lazy("法院裁定期限（申请保护令时）")
    )
    expires_on = serializers.DateField(allow_null=True, help_text=_lazy("保护令有效期至"))
    intentional_crime = serializers.BooleanField()
    answers = serializers.IntegerField(
        source="answers_id", allow_null=True, help_text=_lazy("本措施回应的措施（裁定回应申请）")
    )
    recorded_by = serializers.CharField(source="recorded_by.username")
    recorded_at = serializers.DateTimeField()

    def get_number(self, step: InterventionStep) -> str:
        return f"G{step.pk:06d}"


class InterventionClockOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    department = serializers.CharField()
    due_on = serializers.DateField()
    due_at = serializers.DateTimeField(allow_null=True, help_text=_lazy("按小时计的期限"))
    origin_level = serializers.CharField()
    level = serializers.CharField(help_text=_lazy("逾期升级后到达的层级"))
    rule = serializers.DictField(child=serializers.CharField(), help_text=_lazy("期限依据"))


class InterventionLadderOutput(serializers.Serializer[Any]):
    steps = InterventionStepOutput(many=True)
    open_clocks = InterventionClockOutput(many=True)


class InterventionRecordedOutput(serializers.Serializer[Any]):
    step = InterventionStepOutput()
    also_recorded = InterventionStepOutput(
        many=True, help_text=_lazy("依法随之登记的措施（撤销后无人监护时：民政部门长期监护）")
    )


class RevocationNeededInput(serializers.Serializer[Any]):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text=_lazy("说明（可选，不超过 500 字；只写编号，不写侵害情节）"),
    )


class RevocationNeededOutput(serializers.Serializer[Any]):
    opened = serializers.BooleanField(help_text=_lazy("false：民政部门已在办理"))
    item = InterventionClockOutput()


REFUSALS: dict[int, Any] = {
    400: RefusalOutput,
    403: RefusalOutput,
    404: RefusalOutput,
    409: RefusalOutput,
}


# -- endpoints ---------------------------------------------------------------------------------
class ChildInterventionsApi(GenericAPIView[InterventionStep]):
    """A child's intervention ladder; recording a step."""

    serializer_class = InterventionStepOutput

    @extend_schema(
        operation_id="protection_interventions_list",
        responses={200: InterventionLadderOutput, **REFUSALS},
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = access_protection_child_by_id(request.user, child_id)
        audit_record(
            actor=request_user(request),
            verb=Verb.PROTECTION_VIEWED,
            object_type="child",
            object_id=child.pk,
            child_id=child.pk,
            changes={"part": "interventions"},
        )
        body = {"steps": intervention_steps_of(child), "open_clocks": open_clocks_of(child)}
        response = Response(InterventionLadderOutput(body).data)
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        operation_id="protection_interventions_record",
        request=InterventionStepInput,
        responses={201: InterventionRecordedOutput, **REFUSALS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_protection_child_by_id(request.user, child_id)
        if not has_perm(request.user, Perm.RECORD_INTERVENTION):
            raise PermissionRefused(_("您的账号不能登记监护干预措施"))
        data = validated_input(InterventionStepInput(data=request.data))
        step = intervention_record(actor=request_user(request), child=child, data=StepInput(**data))
        also = list(step.answered_by.select_related("recorded_by").order_by("id"))
        body = {"step": step, "also_recorded": also}
        return Response(InterventionRecordedOutput(body).data, status=status.HTTP_201_CREATED)


class ChildRevocationNeededApi(GenericAPIView[WorkItem]):
    """ "需要撤销监护资格": county civil affairs must petition when no one else does."""

    serializer_class = RevocationNeededOutput

    @extend_schema(
        operation_id="protection_interventions_revocation_needed",
        request=RevocationNeededInput,
        responses={200: RevocationNeededOutput, 201: RevocationNeededOutput, **REFUSALS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_protection_child_by_id(request.user, child_id)
        if not has_perm(request.user, Perm.RECORD_INTERVENTION):
            raise PermissionRefused(_("您的账号不能登记监护干预措施"))
        data = validated_input(RevocationNeededInput(data=request.data))
        item, opened = intervention_revocation_needed(
            actor=request_user(request), child=child, reason=data["reason"]
        )
        return Response(
            RevocationNeededOutput({"opened": opened, "item": item}).data,
            status=status.HTTP_201_CREATED if opened else status.HTTP_200_OK,
        )


urlpatterns: list[URLPattern] = [
    path(
        "children/<int:child_id>/interventions/",
        ChildInterventionsApi.as_view(),
        name="child-interventions",
    ),
    path(
        "children/<int:child_id>/interventions/revocation-needed/",
        ChildRevocationNeededApi.as_view(),
        name="child-interventions-revocation-needed",
    ),
]
