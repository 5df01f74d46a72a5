"""Cases over the API (/api/v1/cases/).

Thin: parse with an input serializer, open the case through `access_case_by_id` (404 for a
hidden case exactly as for a missing one), call a service, render with an output
serializer. Permissions, the flow, optimistic locking and the audit are the services'.
Refusals (ApplicationError) are rendered by hehu.api.errors as {"code", "message",
"field"?, "errors"?}.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.models import Department, Organisation
from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.access import access_case_by_id
from hehu.cases.casefile import (
    case_assessments,
    case_notes,
    case_open_work,
    case_plans,
    case_referrals,
    case_transitions,
    case_visits,
    cases_search,
)
from hehu.cases.models import Case, CaseNote, CaseReferral, CloseReason
from hehu.cases.selectors import may_see_case_notes
from hehu.cases.services.case_actions import (
    case_close_by_person,
    case_open_by_person,
    case_record_view,
    case_reopen_by_person,
    case_transition_by_person,
    require_case_perm,
)
from hehu.cases.services.cases import allowed_transitions
from hehu.cases.services.notes import case_note_add, case_refer, case_referral_end
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.access import access_child_by_id
from hehu.registry.serializers import RefusalOutput, validated_input


class CaseRefusalOutput(RefusalOutput):
    existing_case_id = serializers.IntegerField(required=False)


ERRORS: dict[int, Any] = {
    400: CaseRefusalOutput,
    403: CaseRefusalOutput,
    404: CaseRefusalOutput,
    409: CaseRefusalOutput,
}


# -- shapes -------------------------------------------------------------------------------------
class CaseListQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=[("open", _("未结案")), *Case.Status.choices],
        required=False,
        allow_blank=True,
        help_text=_lazy("状态；open 表示所有未结案的个案"),
    )
    risk = serializers.ChoiceField(choices=Case.Risk.choices, required=False, allow_blank=True)
    emergency = serializers.BooleanField(required=False, allow_null=True, default=None)
    region = serializers.RegexField(
        r"^\d{0,12}$",
        required=False,
        allow_blank=True,
        help_text=_lazy("村（社区）区划代码前缀"),
    )


class CaseListRowOutput(serializers.Serializer[Any]):
    """A row of the list: finding a case, never what the child needs protection from."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    child_id = serializers.IntegerField()
    child_name = serializers.CharField(source="child.name")
    region_code = serializers.CharField()
    region_name = serializers.CharField(source="region.name")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    risk = serializers.CharField()
    emergency = serializers.BooleanField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    next_visit_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class CaseStatusOutput(serializers.Serializer[Any]):
    status = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class CaseStepOutput(serializers.Serializer[Any]):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text=_lazy("空表示系统"))
    at = serializers.DateTimeField()
    reason = serializers.CharField()


class CaseRuleOutput(serializers.Serializer[Any]):
    zh = serializers.CharField()
    en = serializers.CharField()


class CaseWorkItemOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    level = serializers.CharField()
    due_on = serializers.DateField()
    provisional = serializers.BooleanField()
    rule = CaseRuleOutput()
    days_left = serializers.IntegerField(help_text=_lazy("剩余天数；负数为已逾期"))
    working_days = serializers.BooleanField(help_text=_lazy("剩余天数是否按工作日计算"))


class CaseVisitRowOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    due_on = serializers.DateField()
    visited_on = serializers.DateField(allow_null=True)


class CaseAssessmentRowOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    grade = serializers.CharField()
    started_at = serializers.DateTimeField()


class CasePlanRowOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()


class CaseNoteOutput(serializers.ModelSerializer[CaseNote]):
    author: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = CaseNote
        fields = ["id", "author", "at", "text"]


class CaseReferralOutput(serializers.ModelSerializer[CaseReferral]):
    organisation_name = serializers.CharField(source="organisation.name")
    referred_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = CaseReferral
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "status",
            "referred_by",
            "referred_at",
            "ended_at",
            "note",
        ]


class CaseDetailOutput(CaseListRowOutput):
    source = serializers.CharField()  # type: ignore[assignment]
    source_category = serializers.CharField()
    referred_by_department = serializers.CharField()
    reason = serializers.CharField()
    opened_by = serializers.CharField(allow_null=True)
    worker = serializers.CharField(allow_null=True)
    close_reason = serializers.CharField()
    close_note = serializers.CharField()
    reopened_from = serializers.IntegerField(allow_null=True)
    allowed_transitions = CaseStatusOutput(many=True)
    transitions = CaseStepOutput(many=True)
    work_items = CaseWorkItemOutput(many=True)
    visits = CaseVisitRowOutput(many=True)
    plans = CasePlanRowOutput(many=True)
    referrals = CaseReferralOutput(many=True)
    assessments = CaseAssessmentRowOutput(
        many=True, required=False, help_text=_lazy("只对可查看评估与个案记录的角色提供")
    )
    notes = CaseNoteOutput(
        many=True, required=False, help_text=_lazy("只对可查看评估与个案记录的角色提供")
    )


class CaseOpenInput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000, help_text=_lazy("开案理由"))
    emergency = serializers.BooleanField(default=False, help_text=_lazy("紧急：儿童面临危险"))
    # "source" is also a Field attribute in the stubs; here it is where the case came from.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[
            (Case.Source.MANUAL.value, Case.Source.MANUAL.label),
            (Case.Source.REFERRAL.value, Case.Source.REFERRAL.label),
        ],
        default=Case.Source.MANUAL,
        help_text=_lazy("部门干部只能以转介方式开案"),
    )
    department = serializers.ChoiceField(
        choices=Department.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("转介的部门（部门干部为本部门）"),
    )


class CaseTransitionInput(serializers.Serializer[Any]):
    to_status = serializers.ChoiceField(choices=Case.Status.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, help_text=_lazy("打开个案时的版本号"))


class CaseCloseInput(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(choices=CloseReason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, help_text=_lazy("打开个案时的版本号"))


class CaseReopenInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class CaseNoteInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=5000, trim_whitespace=False)


class CaseReferralInput(serializers.Serializer[Any]):
    organisation = serializers.IntegerField(help_text=_lazy("社会组织编号"))
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CaseReferralEndInput(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


# -- helpers ------------------------------------------------------------------------------------
def _name(user: Any) -> str | None:
    return str(user) if user is not None else None


def case_detail_data(case: Case, user: Any) -> dict[str, Any]:
    """Everything the detail shows; assessments and notes only for roles that may see them."""
    today = timezone.localdate()
    data: dict[str, Any] = {
        "id": case.pk,
        "number": case.number,
        "child": case.child,
        "child_id": case.child_id,
        "region": case.region,
        "region_code": case.region_code,
        "status": case.status,
        "get_status_display": case.get_status_display(),
        "risk": case.risk,
        "emergency": case.emergency,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "next_visit_on": next(
            (v.due_on for v in case_visits(case) if v.status == "scheduled"), None
        ),
        "version": case.version,
        "source": case.source,
        "source_category": case.source_category,
        "referred_by_department": case.referred_by_department,
        "reason": case.reason,
        "opened_by": _name(case.opened_by),
        "worker": _name(case.worker),
        "close_reason": case.close_reason,
        "close_note": case.close_note,
        "reopened_from": case.reopened_from_id,
        "allowed_transitions": [
            {"status": s, "label": str(Case.Status(s).label)} for s in allowed_transitions(case)
        ],
        "transitions": [
            {
                "from_status": t.from_status,
                "to_status": t.to_status,
                "actor": _name(t.actor),
                "at": t.at,
                "reason": t.reason,
            }
            for t in case_transitions(case)
        ],
        "work_items": [
            {
                "id": row.item.pk,
                "kind": row.item.kind,
                "kind_label": row.kind_label,
                "level": row.item.level,
                "due_on": row.item.due_on,
                "provisional": row.item.provisional,
                "rule": {"zh": row.rule_zh, "en": row.rule_en},
                "days_left": row.days_left,
                "working_days": row.working_days,
            }
            for row in case_open_work(case, today)
        ],
        "visits": list(case_visits(case)),
        "plans": list(case_plans(case)),
        "referrals": list(case_referrals(case)),
    }
    if may_see_case_notes(user):
        data["assessments"] = list(case_assessments(case))
        data["notes"] = list(case_notes(case))
    return data


def _detail(case: Case, user: Any, *, status_code: int = 200) -> Response:
    case = Case.objects.select_related("child", "region", "opened_by", "worker").get(pk=case.pk)
    return Response(CaseDetailOutput(case_detail_data(case, user)).data, status=status_code)


# -- endpoints ----------------------------------------------------------------------------------
class CaseListApi(GenericAPIView[Case]):
    """Cases in the caller's jurisdiction (a social worker: those referred to their
    organisation); opening a case for a child."""

    parser_classes = [JSONParser]
    serializer_class = CaseListRowOutput

    def get_queryset(self) -> QuerySet[Case]:
        params = validated_input(CaseListQuery(data=self.request.query_params))
        return cases_search(
            user=self.request.user,
            status=params.get("status", ""),
            risk=params.get("risk", ""),
            emergency=params.get("emergency"),
            region_prefix=params.get("region", ""),
        )

    @extend_schema(
        operation_id="cases_list",
        parameters=[CaseListQuery],
        responses={
            200: CaseListRowOutput(many=True),
            400: CaseRefusalOutput,
            403: CaseRefusalOutput,
        },
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.VIEW_CASE):
            raise PermissionRefused(_("您的账号不能查看个案"))
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CaseListRowOutput(page, many=True).data)

    @extend_schema(
        operation_id="cases_open",
        request=CaseOpenInput,
        responses={201: CaseDetailOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        require_case_perm(request.user, Perm.OPEN_CASE)
        data = validated_input(CaseOpenInput(data=request.data))
        child = access_child_by_id(request.user, data["child_id"])
        case = case_open_by_person(
            actor=request.user,
            child=child,
            reason=data["reason"],
            emergency=data["emergency"],
            source=data["source"],
            department=data["department"],
        )
        return _detail(case, request.user, status_code=201)


class CaseDetailApi(APIView):
    """One case with its steps, open work, visits, plans and referrals (a view, audited)."""

    @extend_schema(operation_id="cases_retrieve", responses={200: CaseDetailOutput, **ERRORS})
    def get(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        case_record_view(actor=request.user, case=case)
        return _detail(case, request.user)


class CaseTransitionApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_transition",
        request=CaseTransitionInput,
        responses={200: CaseDetailOutput, **ERRORS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        data = validated_input(CaseTransitionInput(data=request.data))
        moved = case_transition_by_person(
            actor=request.user,
            case=case,
            to_status=data["to_status"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        return _detail(moved, request.user)


class CaseCloseApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_close",
        request=CaseCloseInput,
        responses={200: CaseDetailOutput, **ERRORS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        data = validated_input(CaseCloseInput(data=request.data))
        closed = case_close_by_person(
            actor=request.user,
            case=case,
            reason=data["reason"],
            note=data["note"],
            expected_version=data["version"],
        )
        return _detail(closed, request.user)


class CaseReopenApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_reopen",
        request=CaseReopenInput,
        responses={201: CaseDetailOutput, **ERRORS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        data = validated_input(CaseReopenInput(data=request.data))
        new = case_reopen_by_person(actor=request.user, case=case, reason=data["reason"])
        return _detail(new, request.user, status_code=201)


class CaseNotesApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_notes_list", responses={200: CaseNoteOutput(many=True), **ERRORS}
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        if not may_see_case_notes(request.user):
            raise PermissionRefused(_("您的账号不能查看个案记录"))
        case_record_view(actor=request.user, case=case)
        return Response(CaseNoteOutput(case_notes(case), many=True).data)

    @extend_schema(
        operation_id="cases_notes_add",
        request=CaseNoteInput,
        responses={201: CaseNoteOutput, **ERRORS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        data = validated_input(CaseNoteInput(data=request.data))
        note = case_note_add(actor=request.user, case=case, text=data["text"])
        return Response(CaseNoteOutput(note).data, status=201)


class CaseReferralsApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_refer",
        request=CaseReferralInput,
        responses={201: CaseReferralOutput, **ERRORS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        data = validated_input(CaseReferralInput(data=request.data))
        organisation = Organisation.objects.filter(pk=data["organisation"]).first()
        if organisation is None:
            raise ValidationFailed({"organisation": [_("没有这个社会组织。")]})
        referral = case_refer(
            actor=request.user, case=case, organisation=organisation, note=data["note"]
        )
        return Response(CaseReferralOutput(referral).data, status=201)


class CaseReferralEndApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_referral_end",
        request=CaseReferralEndInput,
        responses={200: CaseReferralOutput, **ERRORS},
    )
    def post(self, request: Request, case_id: int, referral_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        referral = get_object_or_404(CaseReferral, pk=referral_id, case=case)
        data = validated_input(CaseReferralEndInput(data=request.data))
        ended = case_referral_end(actor=request.user, referral=referral, note=data["note"])
        return Response(CaseReferralOutput(ended).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", CaseListApi.as_view(), name="cases"),
    path("cases/<int:case_id>/", CaseDetailApi.as_view(), name="case"),
    path("cases/<int:case_id>/transition/", CaseTransitionApi.as_view(), name="case-transition"),
    path("cases/<int:case_id>/close/", CaseCloseApi.as_view(), name="case-close"),
    path("cases/<int:case_id>/reopen/", CaseReopenApi.as_view(), name="case-reopen"),
    path("cases/<int:case_id>/notes/", CaseNotesApi.as_view(), name="case-notes"),
    path("cases/<int:case_id>/referrals/", CaseReferralsApi.as_view(), name="case-referrals"),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/end/",
        CaseReferralEndApi.as_view(),
        name="case-referral-end",
    ),
]
