"""The monthly disbursement statement and the budget over the API (aggregates only)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.benefits.months import month_of, parse_month
from hehu.benefits.report_api.common import (
    FIRST_YEAR,
    REFUSALS,
    CrumbOutput,
    ProgrammeOutput,
    money,
    programmes_of,
    scope_of,
)
from hehu.benefits.reports.budget import Budget, BudgetLine, Cost, budget
from hehu.benefits.reports.figures import Figures
from hehu.benefits.reports.statement import Statement, StatementRow, disbursement_statement
from hehu.core.errors import ValidationFailed


class FiguresOutput(serializers.Serializer[Any]):
    children = serializers.IntegerField(help_text=_lazy("有发放明细的儿童人数（不重复）"))
    due = money(help_text=_lazy("应发金额（元），含扣回多发（负数）"))
    paid = money()
    failed = money()
    held = money()
    pending = money()
    back_pay = money(help_text=_lazy("其中：以前月份的补发（不含续发）"))
    carried = money(help_text=_lazy("其中：以前批次失败后本期续发"))
    one_off = money(help_text=_lazy("其中：一次性救助"))
    recovery = money(help_text=_lazy("其中：扣回多发（负数）"))


class ProgrammeFiguresOutput(FiguresOutput):
    programme = serializers.CharField()


class StatementRowOutput(serializers.Serializer[Any]):
    region = serializers.CharField(
        help_text=_lazy("区划代码前缀；elsewhere：本县发放、现居住地已不在本县的儿童")
    )
    name = serializers.CharField()
    drillable = serializers.BooleanField(help_text=_lazy("可以再向下一级查看"))
    status = serializers.CharField(
        allow_null=True, help_text=_lazy("县（区）本月名册的状态；none：未生成名册")
    )
    cycle_id = serializers.IntegerField(allow_null=True)
    cycles = serializers.DictField(
        child=serializers.IntegerField(), help_text=_lazy("各状态的县（区）数")
    )
    figures = FiguresOutput()
    programmes = ProgrammeFiguresOutput(many=True)


class CountyCycleOutput(serializers.Serializer[Any]):
    county_code = serializers.CharField()
    name = serializers.CharField()
    cycle_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(help_text=_lazy("名册状态；none：未生成名册"))
    status_label = serializers.CharField()


class StatementOutput(serializers.Serializer[Any]):
    month = serializers.CharField(help_text="2026-03")
    region = serializers.CharField(help_text=_lazy("区划代码前缀；空为全国"))
    name = serializers.CharField()
    crumbs = CrumbOutput(many=True, help_text=_lazy("向上各级（从调用者的辖区起）"))
    programmes = ProgrammeOutput(many=True)
    total = StatementRowOutput()
    rows = StatementRowOutput(many=True, help_text=_lazy("下一级区域"))
    counties = CountyCycleOutput(many=True)


def _figures(figures: Figures) -> dict[str, Any]:
    return figures.as_dict()


def _statement_row(statement: Statement, row: StatementRow) -> dict[str, Any]:
    return {
        "region": row.prefix,
        "name": row.name,
        "drillable": row.drillable,
        "status": row.cycle.status if row.cycle is not None else None,
        "cycle_id": row.cycle.cycle_id if row.cycle is not None else None,
        "cycles": row.cycles,
        "figures": _figures(row.total),
        "programmes": [
            {"programme": code, **_figures(row.programmes.get(code, Figures()))}
            for code in statement.programmes
        ],
    }


def statement_body(statement: Statement) -> dict[str, Any]:
    scope = statement.scope
    body = {
        "month": f"{statement.month:%Y-%m}",
        "region": scope.region,
        "name": scope.name,
        "crumbs": [{"region": p, "name": n} for p, n in scope.crumbs],
        "programmes": programmes_of(statement.programmes),
        "total": _statement_row(statement, statement.total),
        "rows": [_statement_row(statement, r) for r in statement.rows],
        "counties": [
            {
                "county_code": c.county,
                "name": c.name,
                "cycle_id": c.cycle_id,
                "status": c.status,
                "status_label": c.status_label,
            }
            for c in statement.counties
        ],
    }
    return dict(StatementOutput(body).data)


class StatementApi(GenericAPIView[Any]):
    serializer_class = StatementOutput

    @extend_schema(
        operation_id="benefits_statement",
        parameters=[
            OpenApiParameter("month", str, description="2026-03"),
            OpenApiParameter(
                "region", str, description=str(_lazy("区划代码前缀（2、4、6、9或12位）"))
            ),
        ],
        responses={200: StatementOutput, **REFUSALS},
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        text = str(request.query_params.get("month", "")).strip()
        try:
            month = parse_month(text) if text else month_of(timezone.localdate())
        except ValueError:
            raise ValidationFailed({"month": [_("请按 年-月 填写月份，例如 2026-03")]}) from None
        return Response(statement_body(disbursement_statement(scope=scope, month=month)))


# -- the budget --------------------------------------------------------------------------------
class CostOutput(serializers.Serializer[Any]):
    actual_due = money(help_text=_lazy("已审批、已导出或已对账名册的应发金额（元）"))
    actual_paid = money()
    projected = money(help_text=_lazy("按正在发放的待遇资格预测（只含按月待遇）"))
    total = money(help_text=_lazy("实际应发 + 预测"))


class ProgrammeCostOutput(CostOutput):
    programme = serializers.CharField()


class BudgetLineOutput(serializers.Serializer[Any]):
    key = serializers.CharField(help_text=_lazy("月份（2026-03）或区划代码前缀"))
    name = serializers.CharField()
    basis = serializers.CharField(help_text=_lazy("月份：actual、projected 或 partly"))
    drillable = serializers.BooleanField()
    cost = CostOutput()
    programmes = ProgrammeCostOutput(many=True)


class BudgetOutput(serializers.Serializer[Any]):
    year = serializers.IntegerField()
    region = serializers.CharField()
    name = serializers.CharField()
    crumbs = CrumbOutput(many=True)
    first_projected = serializers.CharField(
        allow_null=True, help_text=_lazy("开始预测的月份；全年均为实际时为 null")
    )
    programmes = ProgrammeOutput(many=True)
    total = BudgetLineOutput()
    months = BudgetLineOutput(many=True)
    rows = BudgetLineOutput(many=True, help_text=_lazy("下一级区域"))


def _cost(cost: Cost) -> dict[str, Any]:
    return {
        "actual_due": cost.actual_due,
        "actual_paid": cost.actual_paid,
        "projected": cost.projected,
        "total": cost.total,
    }


def _budget_line(result: Budget, line: BudgetLine) -> dict[str, Any]:
    return {
        "key": line.key,
        "name": line.name,
        "basis": line.basis,
        "drillable": line.drillable,
        "cost": _cost(line.total),
        "programmes": [
            {"programme": code, **_cost(line.programmes.get(code, Cost()))}
            for code in result.programmes
        ],
    }


class BudgetApi(GenericAPIView[Any]):
    serializer_class = BudgetOutput

    @extend_schema(
        operation_id="benefits_budget",
        parameters=[
            OpenApiParameter("year", int, description="2026"),
            OpenApiParameter(
                "region", str, description=str(_lazy("区划代码前缀（2、4、6、9或12位）"))
            ),
        ],
        responses={200: BudgetOutput, **REFUSALS},
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        today = timezone.localdate()
        text = str(request.query_params.get("year", "")).strip() or str(today.year)
        if not text.isdigit() or not FIRST_YEAR <= int(text) <= today.year + 1:
            raise ValidationFailed(
                {
                    "year": [
                        _("年度应为 %(first)d 至 %(last)d 年之间的四位数字")
                        % {"first": FIRST_YEAR, "last": today.year + 1}
                    ]
                }
            )
        result = budget(scope=scope, year=int(text), today=today)
        body = {
            "year": result.year,
            "region": scope.region,
            "name": scope.name,
            "crumbs": [{"region": p, "name": n} for p, n in scope.crumbs],
            "first_projected": f"{result.first_projected:%Y-%m}"
            if result.first_projected
            else None,
            "programmes": programmes_of(result.programmes),
            "total": _budget_line(result, result.total),
            "months": [_budget_line(result, m) for m in result.months],
            "rows": [_budget_line(result, r) for r in result.rows],
        }
        return Response(BudgetOutput(body).data)
