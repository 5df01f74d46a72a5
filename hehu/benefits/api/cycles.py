"""Payment cycles over the API.

- `GET /api/v1/benefits/cycles/?month=2026-03` the cycles of the caller's counties, latest
  month first (paged).
- `POST /api/v1/benefits/cycles/generate/` {month, region_prefix} generates (or generates
  again) the month's roll of a county, or of every county under a city or province prefix.
- `GET /api/v1/benefits/cycles/<id>/` one cycle: figures, who did what when, what changed
  since generation (`warnings`), and what the caller may do now (`actions`).
- `POST /api/v1/benefits/cycles/<id>/submit/` {version} (the maker), `.../return/` {version,
  reason} and `.../approve/` {version} (the checker, never the maker): 409 when the cycle
  changed since the caller read it.
- `GET /api/v1/benefits/cycles/<id>/lines/?status=&kind=&back_pay=true&recovery=true` the
  roll's lines with their reasons (paged).

Thin: the cycle is found within the caller's counties (404 whether outside or missing); the
services of hehu.benefits.services.cycles decide; refusals are rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.benefits.api.shapes import REFUSALS, WITH_CONFLICT, PaymentLineOutput, money
from hehu.benefits.models import PaymentCycle, PaymentLine
from hehu.benefits.months import parse_month
from hehu.benefits.selectors import (
    access_cycle_by_id,
    cycle_actions_for,
    cycle_lines,
    cycles_visible_to,
    may_handle_payments,
)
from hehu.benefits.services.cycles import (
    approve_cycle,
    changes_since_generation,
    generate_and_check,
    return_cycle,
    submit_cycle,
)
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.serializers import RefusalOutput, request_user, validated_input


def _month(text: str, field: str = "month") -> Any:
    try:
        return parse_month(text)
    except ValueError:
        raise ValidationFailed({field: [_("请按 年-月 填写月份，例如 2026-03")]}) from None


def _who(user: Any) -> str | None:
    return str(user) if user is not None else None


# -- shapes ------------------------------------------------------------------------------------
class CycleOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_lazy("县（区）代码-年月，例如 511502-202603"))
    county_code = serializers.CharField()
    month = serializers.DateField(help_text=_lazy("发放月份（该月 1 日）"))
    status = serializers.CharField(
        help_text=_lazy("generated、submitted、approved、exported 或 reconciled")
    )
    status_label = serializers.CharField(source="get_status_display")
    version = serializers.IntegerField(help_text=_lazy("办理时传回此版本号"))
    children = serializers.IntegerField()
    total_amount = money()
    held_amount = money()
    paid_amount = money()
    failed_amount = money()
    generated_at = serializers.DateTimeField()
    generated_by = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_by = serializers.SerializerMethodField()
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.SerializerMethodField()
    exported_at = serializers.DateTimeField(allow_null=True)
    reconciled_at = serializers.DateTimeField(allow_null=True)
    returned_reason = serializers.CharField()

    def get_generated_by(self, cycle: PaymentCycle) -> str | None:
        return _who(cycle.generated_by)

    def get_submitted_by(self, cycle: PaymentCycle) -> str | None:
        return _who(cycle.submitted_by)

    def get_approved_by(self, cycle: PaymentCycle) -> str | None:
        return _who(cycle.approved_by)


class CycleActionsOutput(serializers.Serializer[Any]):
    may_submit = serializers.BooleanField()
    may_regenerate = serializers.BooleanField()
    may_return = serializers.BooleanField()
    may_approve = serializers.BooleanField()
    own_roll = serializers.BooleanField(help_text=_lazy("名册由调用者生成或复核：不能由其本人审批"))


class CycleDetailOutput(CycleOutput):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text=_lazy("生成后有变更：须重新生成后才能复核或审批"),
    )
    actions = CycleActionsOutput()


class CycleGenerateInput(serializers.Serializer[Any]):
    month = serializers.CharField(help_text=_lazy("发放月份，例如 2026-03"))
    region_prefix = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("县（区）代码，或市、省代码前缀；只管辖一个县时可不填"),
    )


class CyclesGeneratedOutput(serializers.Serializer[Any]):
    cycles = CycleOutput(many=True)
    skipped = serializers.DictField(
        child=serializers.CharField(), help_text=_lazy("没有生成的县（区）及原因")
    )


class CycleVersionInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_lazy("读取时的版本号")
    )


class CycleReturnInput(CycleVersionInput):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_lazy("退回理由（至少 5 个字）")
    )


def _detail(user: Any, cycle: PaymentCycle) -> dict[str, Any]:
    data: dict[str, Any] = dict(CycleOutput(cycle).data)
    data["warnings"] = changes_since_generation(cycle) if cycle.editable else []
    data["actions"] = cycle_actions_for(user, cycle)
    return data


def _fresh(user: Any, cycle: PaymentCycle) -> PaymentCycle:
    return access_cycle_by_id(user, cycle.pk)


# -- endpoints ---------------------------------------------------------------------------------
class CyclesApi(GenericAPIView[PaymentCycle]):
    serializer_class = CycleOutput

    @extend_schema(
        operation_id="benefits_cycles_list",
        parameters=[OpenApiParameter("month", str, description="2026-03")],
        responses={200: CycleOutput(many=True), 400: RefusalOutput, 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        if not may_handle_payments(request.user):
            raise PermissionRefused(_("发放名册由县级民政部门办理"))
        text = str(request.query_params.get("month", "")).strip()
        cycles = cycles_visible_to(user=request.user, month=_month(text) if text else None)
        page = self.paginate_queryset(cycles)
        return self.get_paginated_response(CycleOutput(page, many=True).data)


class GenerateApi(GenericAPIView[PaymentCycle]):
    serializer_class = CyclesGeneratedOutput

    @extend_schema(
        operation_id="benefits_cycles_generate",
        request=CycleGenerateInput,
        responses={201: CyclesGeneratedOutput, 409: RefusalOutput, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        data = validated_input(CycleGenerateInput(data=request.data))
        prefix = data["region_prefix"]
        reaching = [p for p in user.prefixes if len(p) <= 6]
        if not prefix and len(reaching) == 1:
            prefix = reaching[0]
        result = generate_and_check(actor=user, region_prefix=prefix, month=_month(data["month"]))
        body = {"cycles": result.cycles, "skipped": result.skipped}
        return Response(CyclesGeneratedOutput(body).data, status=status.HTTP_201_CREATED)


class CycleApi(GenericAPIView[PaymentCycle]):
    serializer_class = CycleDetailOutput

    @extend_schema(
        operation_id="benefits_cycles_detail",
        responses={200: CycleDetailOutput, 404: RefusalOutput},
    )
    def get(self, request: Request, cycle_id: int) -> Response:
        cycle = access_cycle_by_id(request.user, cycle_id)
        return Response(_detail(request.user, cycle))


class SubmitApi(GenericAPIView[PaymentCycle]):
    serializer_class = CycleDetailOutput

    @extend_schema(
        operation_id="benefits_cycles_submit",
        request=CycleVersionInput,
        responses={200: CycleDetailOutput, **WITH_CONFLICT},
    )
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = access_cycle_by_id(request.user, cycle_id)
        data = validated_input(CycleVersionInput(data=request.data))
        user = request_user(request)
        cycle = submit_cycle(actor=user, cycle=cycle, expected_version=data["version"])
        return Response(_detail(user, _fresh(user, cycle)))


class ReturnApi(GenericAPIView[PaymentCycle]):
    serializer_class = CycleDetailOutput

    @extend_schema(
        operation_id="benefits_cycles_return",
        request=CycleReturnInput,
        responses={200: CycleDetailOutput, **WITH_CONFLICT},
    )
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = access_cycle_by_id(request.user, cycle_id)
        data = validated_input(CycleReturnInput(data=request.data))
        user = request_user(request)
        cycle = return_cycle(
            actor=user, cycle=cycle, reason=data["reason"], expected_version=data["version"]
        )
        return Response(_detail(user, _fresh(user, cycle)))


class ApproveApi(GenericAPIView[PaymentCycle]):
    serializer_class = CycleDetailOutput

    @extend_schema(
        operation_id="benefits_cycles_approve",
        request=CycleVersionInput,
        responses={200: CycleDetailOutput, **WITH_CONFLICT},
    )
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = access_cycle_by_id(request.user, cycle_id)
        data = validated_input(CycleVersionInput(data=request.data))
        user = request_user(request)
        cycle = approve_cycle(actor=user, cycle=cycle, expected_version=data["version"])
        return Response(_detail(user, _fresh(user, cycle)))


def _flag(request: Request, name: str) -> bool:
    return str(request.query_params.get(name, "")).lower() in ("1", "true", "yes", "on")


class LinesApi(GenericAPIView[PaymentLine]):
    serializer_class = PaymentLineOutput

    @extend_schema(
        operation_id="benefits_cycles_lines",
        parameters=[
            OpenApiParameter("status", str, description="pending、paid、failed 或 held"),
            OpenApiParameter("kind", str, description="monthly、one_off、adjustment 或 recovery"),
            OpenApiParameter("back_pay", bool, description=str(_lazy("只看补发（以前月份）"))),
            OpenApiParameter("recovery", bool, description=str(_lazy("只看扣回多发"))),
        ],
        responses={200: PaymentLineOutput(many=True), **REFUSALS},
    )
    def get(self, request: Request, cycle_id: int) -> Response:
        cycle = access_cycle_by_id(request.user, cycle_id)
        lines = cycle_lines(
            cycle=cycle,
            status=str(request.query_params.get("status", "")),
            kind=str(request.query_params.get("kind", "")),
            back_pay=_flag(request, "back_pay"),
            recovery=_flag(request, "recovery"),
        )
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(PaymentLineOutput(page, many=True).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("benefits/cycles/", CyclesApi.as_view(), name="benefits-cycles"),
    path("benefits/cycles/generate/", GenerateApi.as_view(), name="benefits-cycles-generate"),
    path("benefits/cycles/<int:cycle_id>/", CycleApi.as_view(), name="benefits-cycle"),
    path(
        "benefits/cycles/<int:cycle_id>/submit/",
        SubmitApi.as_view(),
        name="benefits-cycle-submit",
    ),
    path(
        "benefits/cycles/<int:cycle_id>/return/",
        ReturnApi.as_view(),
        name="benefits-cycle-return",
    ),
    path(
        "benefits/cycles/<int:cycle_id>/approve/",
        ApproveApi.as_view(),
        name="benefits-cycle-approve",
    ),
    path(
        "benefits/cycles/<int:cycle_id>/lines/",
        LinesApi.as_view(),
        name="benefits-cycle-lines",
    ),
]
