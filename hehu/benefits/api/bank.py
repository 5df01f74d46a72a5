"""Bank files and reconciliation of a payment cycle over the API.

- `GET /api/v1/benefits/bank-layouts/` the bank layouts Hehu knows.
- `GET /api/v1/benefits/cycles/<id>/bank-file/?layout=generic&format=csv|xlsx` the bank
  file of an approved cycle's pending transfers, as a download (the first marks the cycle
  exported; every export is audited).
- `POST /api/v1/benefits/cycles/<id>/bank-results/` (multipart: `file`, `layout`) imports
  the bank's result file whole or not at all: 400 with `errors.file` and `errors.lines`
  ("第 N 行：…") when any line is wrong.
- `POST /api/v1/benefits/cycles/<id>/reconcile/` reconciles a cycle whose transfers all
  have a result.

Thin: the cycle is found within the caller's jurisdiction (404 whether outside or
missing); the services decide; refusals are rendered by hehu.api.errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.bankfiles import FILE_FORMATS, BankLayout
from hehu.benefits.models import PaymentCycle
from hehu.benefits.selectors import access_cycle_by_id
from hehu.benefits.services.bank import bank_layouts, export_bank_file, import_bank_results
from hehu.benefits.services.reconcile import reconcile_cycle
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.serializers import RefusalOutput, request_user, validated_input

# A county's result file is a few megabytes; anything far larger is not one.
UPLOAD_MAX_BYTES = 50 * 1024 * 1024

REFUSALS: dict[int, Any] = {
    400: RefusalOutput,
    403: RefusalOutput,
    404: RefusalOutput,
}


# -- shapes ------------------------------------------------------------------------------------
class LayoutColumnOutput(serializers.Serializer[Any]):
    header = serializers.CharField()
    field = serializers.CharField()
    format = serializers.CharField()


class BankLayoutOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    # "label" is also a Field attribute in the stubs; here it is the layout's name.
    label = serializers.DictField(  # type: ignore[assignment]
        child=serializers.CharField(), source="label.as_dict", help_text=_lazy("名称（中、英）")
    )
    encoding = serializers.CharField(help_text=_lazy("CSV 的字符编码"))
    delimiter = serializers.CharField()
    header = serializers.BooleanField(help_text=_lazy("是否有标题行"))
    summary = serializers.SerializerMethodField(help_text=_lazy("汇总行位置：first、last 或 null"))
    columns = LayoutColumnOutput(many=True)
    formats = serializers.SerializerMethodField(help_text=_lazy("可导出的文件类型"))

    def get_summary(self, layout: BankLayout) -> str | None:
        return layout.summary.position if layout.summary else None

    def get_formats(self, layout: BankLayout) -> list[str]:
        return list(FILE_FORMATS)


class BankResultsInput(serializers.Serializer[Any]):
    file = serializers.FileField(help_text=_lazy("银行回盘文件（CSV，或 Excel 另存的 xlsx）"))
    layout = serializers.CharField(help_text=_lazy("银行文件格式代码，如 generic"))


class ImportOutcomeOutput(serializers.Serializer[Any]):
    rows = serializers.IntegerField(help_text=_lazy("文件中的明细笔数"))
    paid = serializers.IntegerField(help_text=_lazy("本次记录为发放成功的笔数"))
    failed = serializers.IntegerField(help_text=_lazy("本次记录为发放失败的笔数"))
    already_recorded = serializers.IntegerField(help_text=_lazy("此前已导入、本次跳过的笔数"))
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    failed_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class CycleReconciledOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    county_code = serializers.CharField()
    month = serializers.DateField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    failed_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_lazy("银行退回（发放失败）的金额")
    )
    held_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_lazy("暂缓发放、转入下一批次的金额")
    )
    reconciled_at = serializers.DateTimeField()


# -- endpoints ---------------------------------------------------------------------------------
class BankLayoutsApi(APIView):
    @extend_schema(
        operation_id="benefits_bank_layouts_list",
        responses={200: BankLayoutOutput(many=True), 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.MANAGE_BENEFITS):
            raise PermissionRefused(_("银行文件由县级民政部门导出"))
        return Response(BankLayoutOutput(list(bank_layouts().values()), many=True).data)


class FormatNamesTheFile(DefaultContentNegotiation):
    """Here `?format=` names the bank file's type, not the API's renderer (DRF reads it as
    the renderer's format and would answer 404 for csv); refusals are JSON."""

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class BankFileApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FormatNamesTheFile

    @extend_schema(
        operation_id="benefits_cycle_bank_file",
        parameters=[
            OpenApiParameter("layout", str, description=_lazy("银行文件格式代码，如 generic")),
            OpenApiParameter("format", str, enum=list(FILE_FORMATS), description="csv | xlsx"),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiResponse(OpenApiTypes.BINARY)
            ),
            **REFUSALS,
        },
    )
    def get(self, request: Request, cycle_id: int) -> HttpResponse:
        cycle = access_cycle_by_id(request.user, cycle_id)
        exported = export_bank_file(
            actor=request_user(request),
            cycle=cycle,
            layout=request.query_params.get("layout", ""),
            file_format=request.query_params.get("format", "csv"),
        )
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Hehu-Rows"] = str(exported.rows)
        response["X-Hehu-Total"] = f"{exported.total:.2f}"
        return response


class BankResultsApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="benefits_cycle_bank_results_import",
        request={"multipart/form-data": BankResultsInput},
        responses={200: ImportOutcomeOutput, **REFUSALS},
    )
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = access_cycle_by_id(request.user, cycle_id)
        data = validated_input(BankResultsInput(data=request.data))
        upload = data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationFailed(
                {"file": [_("文件超过 %d MB，不是一个县的回盘文件") % (UPLOAD_MAX_BYTES >> 20)]}
            )
        outcome = import_bank_results(
            actor=request_user(request),
            cycle=cycle,
            filename=upload.name or "",
            content=upload.read(),
            layout=data["layout"],
        )
        return Response(ImportOutcomeOutput(outcome).data)


class ReconcileApi(APIView):
    @extend_schema(
        operation_id="benefits_cycle_reconcile",
        request=None,
        responses={200: CycleReconciledOutput, **REFUSALS},
    )
    def post(self, request: Request, cycle_id: int) -> Response:
        cycle = access_cycle_by_id(request.user, cycle_id)
        reconciled: PaymentCycle = reconcile_cycle(actor=request_user(request), cycle=cycle)
        return Response(CycleReconciledOutput(reconciled).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("benefits/bank-layouts/", BankLayoutsApi.as_view(), name="benefits-bank-layouts"),
    path(
        "benefits/cycles/<int:cycle_id>/bank-file/",
        BankFileApi.as_view(),
        name="benefits-cycle-bank-file",
    ),
    path(
        "benefits/cycles/<int:cycle_id>/bank-results/",
        BankResultsApi.as_view(),
        name="benefits-cycle-bank-results",
    ),
    path(
        "benefits/cycles/<int:cycle_id>/reconcile/",
        ReconcileApi.as_view(),
        name="benefits-cycle-reconcile",
    ),
]
