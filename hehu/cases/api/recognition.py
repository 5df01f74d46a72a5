"""Recognition applications over the API (民发〔2019〕62号; cross-province 跨省通办).

`GET/POST /api/v1/applications/` — the applications visible to the caller (by status, or
those awaiting the caller's action with `?status=queue`) and receiving a new one;
`GET /api/v1/applications/<id>/` — one application with its running deadlines;
`POST /api/v1/applications/<id>/forward|verify|decide|notify|withdraw/` — the next step,
with `expected_version`. Every read is audited; an application outside the caller's
jurisdiction is 404. There is no publicity endpoint: the result is never announced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import working_days_between
from hehu.cases.models import RecognitionApplication, WorkItem
from hehu.cases.selectors_recognition import (
    access_application_by_id,
    application_queue,
    applications_visible_to,
    child_for_application,
    may_see_applications,
    with_open_items,
)
from hehu.cases.services import recognition as svc
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.duplicates import child_with_id_index, id_number_index
from hehu.registry.idnumber import normalise_id_number
from hehu.registry.models import Child
from hehu.registry.serializers import validated_input

App = RecognitionApplication


# -- shapes -----------------------------------------------------------------------------------
def _values(choices: Any) -> str:
    return " / ".join(f"{value}={label}" for value, label in choices)


@extend_schema_field({"type": "string"})
class RecognitionChoiceField(serializers.ChoiceField):
    """A choice documented as a string with its values in the description: the names of
    enum components are shared across the whole API (and would collide with other apps')."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _values(choices))
        super().__init__(choices, **kwargs)


class RecognitionRuleOutput(serializers.Serializer[Any]):
    zh = serializers.CharField()
    en = serializers.CharField()


class RecognitionDeadlineOutput(serializers.Serializer[Any]):
    kind = RecognitionChoiceField(WorkItem.Kind.choices)
    due_on = serializers.DateField()
    provisional = serializers.BooleanField(
        help_text=gettext_lazy("期限跨越节假日安排尚未发布的年份，按周末计算，暂定")
    )
    rule = RecognitionRuleOutput()
    working_days_left = serializers.SerializerMethodField(
        help_text=gettext_lazy("距期限的工作日数；负数为已逾期的工作日数")
    )

    def get_working_days_left(self, item: WorkItem) -> int:
        return working_days_between(timezone.localdate(), item.due_on)


class RecognitionApplicationOutput(serializers.ModelSerializer[RecognitionApplication]):
    child_name = serializers.CharField(source="child.name", read_only=True)
    kind = RecognitionChoiceField(App.Kind.choices, read_only=True)
    status = RecognitionChoiceField(App.Status.choices, read_only=True)
    township_opinion = RecognitionChoiceField([("", "—"), *App.Opinion.choices], read_only=True)
    deadlines = serializers.SerializerMethodField()
    benefits_from = serializers.SerializerMethodField(
        help_text=gettext_lazy("保障金起发月份的第一天（确认的次月）")
    )
    publicly_announced = serializers.SerializerMethodField(
        help_text=gettext_lazy("始终为 false：依据民发〔2019〕62号，认定结果不予公示")
    )

    class Meta:
        model = RecognitionApplication
        fields = [
            "id",
            "child",
            "child_name",
            "kind",
            "status",
            "cross_province",
            "applicant_name",
            "applicant_relation",
            "hukou_township_code",
            "receiving_township_code",
            "applied_on",
            "accepted_on",
            "forwarded_on",
            "township_opinion",
            "township_note",
            "township_concluded_on",
            "decided_on",
            "refusal_reasons",
            "confirmed_from",
            "benefits_from",
            "applicant_notified_on",
            "deadlines",
            "publicly_announced",
            "version",
        ]

    @extend_schema_field(RecognitionDeadlineOutput(many=True))
    def get_deadlines(self, application: RecognitionApplication) -> list[dict[str, Any]]:
        items = getattr(application, "open_items", None)
        if items is None:
            items = list(application.work_items.filter(status=WorkItem.Status.OPEN))
        return list(RecognitionDeadlineOutput(items, many=True).data)

    def get_benefits_from(self, application: RecognitionApplication) -> dt.date | None:
        confirmed = application.confirmed_from
        if confirmed is None:
            return None
        return (confirmed.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

    def get_publicly_announced(self, application: RecognitionApplication) -> bool:
        return False


class RecognitionErrorOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


ERRORS: dict[int, Any] = {
    400: RecognitionErrorOutput,
    403: RecognitionErrorOutput,
    404: RecognitionErrorOutput,
    409: RecognitionErrorOutput,
}


class RecognitionListQuery(serializers.Serializer[Any]):
    status = RecognitionChoiceField(
        [("queue", gettext_lazy("等待本账号办理的")), *App.Status.choices], required=False
    )


class RecognitionReceiveInput(serializers.Serializer[Any]):
    child = serializers.IntegerField(
        required=False, help_text=gettext_lazy("儿童档案编号（户籍地受理）")
    )
    child_id_number = serializers.CharField(
        required=False,
        max_length=18,
        help_text=gettext_lazy("儿童身份证号码（跨省通办时据此找到户籍地档案）"),
    )
    kind = RecognitionChoiceField(App.Kind.choices)
    applicant_name = serializers.CharField(max_length=100)
    applicant_relation = serializers.CharField(max_length=50)
    applied_on = serializers.DateField()
    accepted_on = serializers.DateField()
    cross_province = serializers.BooleanField(required=False, default=False)
    receiving_township_code = serializers.CharField(
        required=False, allow_blank=True, max_length=12, default=""
    )


class RecognitionStepInput(serializers.Serializer[Any]):
    expected_version = serializers.IntegerField(
        min_value=1, required=False, help_text=gettext_lazy("打开申请时的版本号")
    )


class RecognitionForwardInput(RecognitionStepInput):
    forwarded_on = serializers.DateField()


class RecognitionVerifyInput(RecognitionStepInput):
    opinion = RecognitionChoiceField(App.Opinion.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    concluded_on = serializers.DateField()


class RecognitionDecideInput(RecognitionStepInput):
    approve = serializers.BooleanField()
    reasons = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("不予认定时必填，至少 10 个字"),
    )
    decided_on = serializers.DateField()


class RecognitionNotifyInput(RecognitionStepInput):
    notified_on = serializers.DateField()


class RecognitionWithdrawInput(RecognitionStepInput):
    reason = serializers.CharField()


# -- helpers ----------------------------------------------------------------------------------
def _require_sight(request: Request) -> None:
    if not may_see_applications(request.user):
        raise PermissionRefused(_("您的账号不能查看认定申请。"))


def _viewed(request: Request, application: RecognitionApplication) -> None:
    audit_record(
        actor=request.user,
        verb=Verb.APPLICATION_VIEWED,
        object_type=svc.OBJECT,
        object_id=application.pk,
        child_id=application.child_id,
    )


def _out(application: RecognitionApplication, status: int = 200) -> Response:
    fresh = with_open_items(App.objects.filter(pk=application.pk)).get()
    return Response(RecognitionApplicationOutput(fresh).data, status=status)


def _child(request: Request, data: dict[str, Any]) -> Child:
    if data["cross_province"]:
        number = normalise_id_number(data.get("child_id_number", ""))
        found = child_with_id_index(id_number_index(number)) if number else None
        if found is None:
            raise ValidationFailed(
                {
                    "child_id_number": [
                        _(
                            "没有找到这个身份证号码的在册儿童，请核对；"
                            "儿童没有身份证号码时，请到户籍地乡镇申请。"
                        )
                    ]
                }
            )
        return found
    if data.get("child") is None:
        raise ValidationFailed({"child": [_("请填写儿童档案编号。")]})
    try:
        return child_for_application(request.user, data["child"])
    except Http404:
        raise ValidationFailed({"child": [_("没有找到这名儿童，或不在您的管辖范围内。")]}) from None


# -- endpoints --------------------------------------------------------------------------------
class RecognitionListApi(GenericAPIView[RecognitionApplication]):
    """Applications visible to the caller; receiving a new application."""

    parser_classes = [JSONParser]
    serializer_class = RecognitionApplicationOutput

    def get_queryset(self) -> QuerySet[RecognitionApplication]:
        params = validated_input(RecognitionListQuery(data=self.request.query_params))
        status = params.get("status", "")
        if status == "queue":
            queryset = application_queue(user=self.request.user)
        else:
            queryset = applications_visible_to(user=self.request.user)
            if status:
                queryset = queryset.filter(status=status)
        return with_open_items(queryset).order_by("accepted_on", "pk")

    @extend_schema(
        operation_id="recognition_applications_list",
        parameters=[RecognitionListQuery],
        responses={200: RecognitionApplicationOutput(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        _require_sight(request)
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page) if page is not None else []
        audit_record(
            actor=request.user,
            verb=Verb.APPLICATION_VIEWED,
            object_type=svc.OBJECT,
            object_id="list",
            changes={"ids": [a.pk for a in rows]},
        )
        return self.get_paginated_response(RecognitionApplicationOutput(rows, many=True).data)

    @extend_schema(
        operation_id="recognition_applications_receive",
        request=RecognitionReceiveInput,
        responses={201: RecognitionApplicationOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.RECEIVE_APPLICATION):
            raise PermissionRefused(_("您的账号不能受理认定申请。"))
        data = validated_input(RecognitionReceiveInput(data=request.data))
        child = _child(request, data)
        application = svc.application_receive(
            actor=request.user,
            child=child,
            kind=data["kind"],
            applicant_name=data["applicant_name"],
            applicant_relation=data["applicant_relation"],
            applied_on=data["applied_on"],
            accepted_on=data["accepted_on"],
            cross_province=data["cross_province"],
            receiving_township_code=data["receiving_township_code"] or None,
        )
        return _out(application, status=201)


class RecognitionDetailApi(APIView):
    """One application with its running deadlines (the view is audited)."""

    @extend_schema(
        operation_id="recognition_applications_retrieve",
        responses={200: RecognitionApplicationOutput, 404: RecognitionErrorOutput},
    )
    def get(self, request: Request, application_id: int) -> Response:
        application = access_application_by_id(request.user, application_id)
        _viewed(request, application)
        return Response(RecognitionApplicationOutput(application).data)


def _step_view(
    name: str,
    input_class: type[RecognitionStepInput],
    service: Callable[..., RecognitionApplication],
    doc: str,
) -> type[APIView]:
    class StepApi(APIView):
        parser_classes = [JSONParser]

        @extend_schema(
            operation_id=f"recognition_applications_{name}",
            request=input_class,
            responses={200: RecognitionApplicationOutput, **ERRORS},
            parameters=[OpenApiParameter("application_id", int, OpenApiParameter.PATH)],
            description=doc,
        )
        def post(self, request: Request, application_id: int) -> Response:
            application = access_application_by_id(request.user, application_id)
            data = validated_input(input_class(data=request.data))
            done = service(actor=request.user, application=application, **data)
            return _out(done)

    StepApi.__name__ = StepApi.__qualname__ = f"Recognition{name.title()}Api"
    return StepApi


STEPS = {
    "forward": _step_view(
        "forward",
        RecognitionForwardInput,
        svc.application_forward,
        "Cross-province: the receiving township forwards the complete file.",
    ),
    "verify": _step_view(
        "verify",
        RecognitionVerifyInput,
        svc.application_verify,
        "The household-registration township concludes its verification.",
    ),
    "decide": _step_view(
        "decide",
        RecognitionDecideInput,
        svc.application_decide,
        "County civil affairs decides; a refusal needs written reasons (10+ characters).",
    ),
    "notify": _step_view(
        "notify",
        RecognitionNotifyInput,
        svc.application_notify,
        "The day the applicant was told of the decision.",
    ),
    "withdraw": _step_view(
        "withdraw",
        RecognitionWithdrawInput,
        svc.application_withdraw,
        "The applicant withdrew a pending application.",
    ),
}

urlpatterns = [
    path("applications/", RecognitionListApi.as_view(), name="recognition_applications"),
    path(
        "applications/<int:application_id>/",
        RecognitionDetailApi.as_view(),
        name="recognition_application",
    ),
    *[
        path(
            f"applications/<int:application_id>/{step}/",
            view.as_view(),
            name=f"recognition_application_{step}",
        )
        for step, view in STEPS.items()
    ],
]
