"""API: assessments of a case, and the instruments a client renders its form from.

    GET  /api/v1/cases/<case_id>/assessments/     the case's assessments (audited)
    POST /api/v1/cases/<case_id>/assessments/     {"kind"} → a draft with the instrument in force
    GET  /api/v1/assessments/<id>/                one assessment (audited)
    PATCH /api/v1/assessments/<id>/               {"answers", "child_views"?, …, "version"}
    POST /api/v1/assessments/<id>/submit/         {"version"} → scored and final
    GET  /api/v1/instruments/                     instruments and the period each is in force
    GET  /api/v1/instruments/<id>/<version>/      its parts, items, options, cut-offs, red flags

A case outside the caller's jurisdiction is 404; a role that may not read assessments 403.
An incomplete submit is 400 `assessment_incomplete` with `missing` naming each item; a save
on an outdated version is 409 `concurrent_edit` and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.cases.access import access_case_by_id
from hehu.cases.instruments import CutOff, Instrument
from hehu.cases.models import Assessment, Case
from hehu.cases.services import assessments as services
from hehu.core.errors import PermissionRefused
from hehu.policy.engine.model import Text
from hehu.registry.serializers import RefusalOutput, validated_input


# -- shapes -------------------------------------------------------------------------------------
class AssessmentLabelOutput(serializers.Serializer[Any]):
    zh = serializers.CharField()
    en = serializers.CharField()


class AssessmentItemScoreOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = AssessmentLabelOutput()  # type: ignore[assignment]
    option = serializers.CharField(help_text=_lazy("所选选项"))
    option_label = AssessmentLabelOutput()
    score = serializers.FloatField()
    max = serializers.FloatField()


class AssessmentPartScoreOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = AssessmentLabelOutput()  # type: ignore[assignment]
    points = serializers.FloatField()
    max_points = serializers.FloatField()
    score = serializers.FloatField(help_text=_lazy("0–100"))
    weight = serializers.FloatField(required=False, help_text=_lazy("监护评估：权重"))
    support = serializers.CharField(
        required=False, help_text=_lazy("需求评估：cash/in_kind/service")
    )
    level = serializers.CharField(required=False, help_text=_lazy("需求评估：需求等级"))
    level_by_score = serializers.CharField(required=False)
    items = AssessmentItemScoreOutput(many=True)


class AssessmentTriggeredOutput(serializers.Serializer[Any]):
    item = serializers.CharField()
    item_label = AssessmentLabelOutput()
    option = serializers.CharField()
    option_label = AssessmentLabelOutput()
    outcome = serializers.CharField(help_text=_lazy("强制的等级"))
    label = AssessmentLabelOutput()  # type: ignore[assignment]


class AssessmentScoresOutput(serializers.Serializer[Any]):
    instrument = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    parts = AssessmentPartScoreOutput(many=True, required=False)
    triggered = AssessmentTriggeredOutput(many=True, required=False)
    total = serializers.FloatField(required=False, help_text=_lazy("监护评估：加权得分"))
    grade_by_score = serializers.CharField(required=False)
    grade = serializers.CharField(required=False)
    child_views_absent_reason = serializers.CharField(required=False)


class AssessmentNeedOutput(serializers.Serializer[Any]):
    domain = serializers.CharField()
    level = serializers.CharField()
    support = serializers.CharField()
    score = serializers.FloatField()


class AssessmentOutput(serializers.ModelSerializer[Assessment]):
    assessor: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    answers = serializers.DictField(child=serializers.CharField())
    scores = AssessmentScoresOutput()
    needs = AssessmentNeedOutput(many=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "case",
            "kind",
            "instrument_id",
            "instrument_version",
            "status",
            "answers",
            "child_views",
            "assessor",
            "started_at",
            "submitted_at",
            "scores",
            "grade",
            "needs",
            "version",
        ]


class AssessmentStartInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Assessment.Kind.choices)


class AssessmentSaveInput(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True),
        required=False,
        default=dict,
        help_text=_lazy("{题目代码: 选项代码}；null 或空字符串清除该题的回答"),
    )
    child_views = serializers.CharField(
        required=False, allow_blank=True, max_length=services.MAX_VIEWS
    )
    child_views_absent_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=services.MAX_VIEWS
    )
    version = serializers.IntegerField(help_text=_lazy("打开时的版本号"))


class AssessmentSubmitInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text=_lazy("打开时的版本号"))


class AssessmentMissingOutput(serializers.Serializer[Any]):
    item = serializers.CharField()
    part = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class AssessmentRefusalOutput(RefusalOutput):
    missing = AssessmentMissingOutput(many=True, required=False)
    assessment_id = serializers.IntegerField(required=False)


class InstrumentOptionOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = AssessmentLabelOutput()  # type: ignore[assignment]
    score = serializers.FloatField()


class InstrumentItemOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = AssessmentLabelOutput()  # type: ignore[assignment]
    hint = AssessmentLabelOutput(allow_null=True)
    options = InstrumentOptionOutput(many=True)


class InstrumentCutOffOutput(serializers.Serializer[Any]):
    outcome = serializers.CharField()
    low = serializers.FloatField(help_text=_lazy("含"))
    high = serializers.FloatField(help_text=_lazy("不含（100 除外）"))


class InstrumentPartOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = AssessmentLabelOutput()  # type: ignore[assignment]
    weight = serializers.FloatField(allow_null=True)
    support = serializers.CharField(allow_null=True)
    cut_offs = InstrumentCutOffOutput(many=True)
    items = InstrumentItemOutput(many=True)


class InstrumentRedFlagOutput(serializers.Serializer[Any]):
    item = serializers.CharField()
    option = serializers.CharField()
    outcome = serializers.CharField()
    label = AssessmentLabelOutput()  # type: ignore[assignment]


class InstrumentSummaryOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    version = serializers.CharField()
    kind = serializers.CharField()
    title = AssessmentLabelOutput()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    in_force = serializers.BooleanField()


class InstrumentOutput(InstrumentSummaryOutput):
    sources = AssessmentLabelOutput(many=True)
    parts = InstrumentPartOutput(many=True)
    cut_offs = InstrumentCutOffOutput(many=True)
    red_flags = InstrumentRedFlagOutput(many=True)


REFUSALS: dict[int, Any] = {
    400: AssessmentRefusalOutput,
    403: AssessmentRefusalOutput,
    404: OpenApiResponse(OpenApiTypes.OBJECT),
    409: AssessmentRefusalOutput,
}


# -- helpers ------------------------------------------------------------------------------------
def _require_notes(request: Request) -> None:
    if not has_perm(request.user, Perm.VIEW_CASE_NOTES):
        raise PermissionRefused(_("您的账号不能查看评估。"))


def _case(request: Request, case_id: int) -> Case:
    case = access_case_by_id(request.user, case_id)
    _require_notes(request)
    return case


def _assessment(request: Request, assessment_id: int) -> Assessment:
    found = services.access_assessment_by_id(request.user, assessment_id)
    _require_notes(request)
    return found


def _text(text: Text | None) -> dict[str, str] | None:
    return {"zh": text.zh, "en": text.en} if text is not None else None


def _cut_off(c: CutOff) -> dict[str, Any]:
    return {"outcome": c.outcome, "low": float(c.low), "high": float(c.high)}


def _summary(instrument: Instrument) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "version": instrument.version,
        "kind": instrument.kind,
        "title": _text(instrument.title),
        "effective_from": instrument.effective_from,
        "effective_to": instrument.effective_to,
        "in_force": instrument.in_force(timezone.localdate()),
    }


def _instrument(instrument: Instrument) -> dict[str, Any]:
    return {
        **_summary(instrument),
        "sources": [_text(s) for s in instrument.sources],
        "parts": [
            {
                "code": part.code,
                "label": _text(part.label),
                "weight": float(part.weight) if part.weight is not None else None,
                "support": part.support,
                "cut_offs": [_cut_off(c) for c in part.cut_offs],
                "items": [
                    {
                        "code": item.code,
                        "label": _text(item.label),
                        "hint": _text(item.hint),
                        "options": [
                            {"code": o.code, "label": _text(o.label), "score": float(o.score)}
                            for o in item.options
                        ],
                    }
                    for item in part.items
                ],
            }
            for part in instrument.parts
        ],
        "cut_offs": [_cut_off(c) for c in instrument.cut_offs],
        "red_flags": [
            {"item": f.item, "option": f.option, "outcome": f.outcome, "label": _text(f.label)}
            for f in instrument.red_flags
        ],
    }


# -- endpoints ----------------------------------------------------------------------------------
class CaseAssessmentsApi(APIView):
    """A case's assessments; start a new one."""

    @extend_schema(
        operation_id="case_assessments_list",
        responses={200: AssessmentOutput(many=True), **REFUSALS},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = _case(request, case_id)
        services.assessments_record_list_view(actor=request.user, case=case)
        rows = services.assessments_of_case(case=case)
        return Response(AssessmentOutput(rows, many=True).data)

    @extend_schema(
        operation_id="case_assessments_start",
        request=AssessmentStartInput,
        responses={201: AssessmentOutput, **REFUSALS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = _case(request, case_id)
        data = validated_input(AssessmentStartInput(data=request.data))
        assessment = services.assessment_start(actor=request.user, case=case, kind=data["kind"])
        return Response(AssessmentOutput(assessment).data, status=201)


class AssessmentApi(APIView):
    """One assessment; save answers (partly) with the version it was opened at."""

    @extend_schema(operation_id="assessment_get", responses={200: AssessmentOutput, **REFUSALS})
    def get(self, request: Request, assessment_id: int) -> Response:
        assessment = _assessment(request, assessment_id)
        services.assessment_record_view(actor=request.user, assessment=assessment)
        return Response(AssessmentOutput(assessment).data)

    @extend_schema(
        operation_id="assessment_save",
        request=AssessmentSaveInput,
        responses={200: AssessmentOutput, **REFUSALS},
    )
    def patch(self, request: Request, assessment_id: int) -> Response:
        assessment = _assessment(request, assessment_id)
        data = validated_input(AssessmentSaveInput(data=request.data))
        saved = services.assessment_save(
            actor=request.user,
            assessment=assessment,
            answers=data["answers"],
            child_views=data.get("child_views"),
            child_views_absent_reason=data.get("child_views_absent_reason"),
            expected_version=data["version"],
        )
        return Response(AssessmentOutput(saved).data)


class AssessmentSubmitApi(APIView):
    """Submit a complete assessment: scored, final; its grade or needs take effect."""

    @extend_schema(
        operation_id="assessment_submit",
        request=AssessmentSubmitInput,
        responses={200: AssessmentOutput, **REFUSALS},
    )
    def post(self, request: Request, assessment_id: int) -> Response:
        assessment = _assessment(request, assessment_id)
        data = validated_input(AssessmentSubmitInput(data=request.data))
        done = services.assessment_submit(
            actor=request.user, assessment=assessment, expected_version=data["version"]
        )
        return Response(AssessmentOutput(done).data)


class InstrumentsApi(APIView):
    """Every assessment instrument, with the period it is in force."""

    @extend_schema(
        operation_id="instruments_list", responses={200: InstrumentSummaryOutput(many=True)}
    )
    def get(self, request: Request) -> Response:
        shelf = services.instruments()
        rows = sorted(shelf.instruments, key=lambda i: (i.kind, i.effective_from, i.version))
        return Response(InstrumentSummaryOutput([_summary(i) for i in rows], many=True).data)


class InstrumentApi(APIView):
    """One instrument: everything a client needs to render and explain its form."""

    @extend_schema(
        operation_id="instrument_get",
        responses={200: InstrumentOutput, 404: OpenApiResponse(OpenApiTypes.OBJECT)},
    )
    def get(self, request: Request, instrument_id: str, version: str) -> Response:
        found = services.instruments().get(instrument_id, version)
        if found is None:
            raise Http404
        return Response(InstrumentOutput(_instrument(found)).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "cases/<int:case_id>/assessments/",
        CaseAssessmentsApi.as_view(),
        name="case_assessments",
    ),
    path("assessments/<int:assessment_id>/", AssessmentApi.as_view(), name="assessment"),
    path(
        "assessments/<int:assessment_id>/submit/",
        AssessmentSubmitApi.as_view(),
        name="assessment_submit",
    ),
    path("instruments/", InstrumentsApi.as_view(), name="instruments"),
    path(
        "instruments/<str:instrument_id>/<str:version>/",
        InstrumentApi.as_view(),
        name="instrument",
    ),
]
