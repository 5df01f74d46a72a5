"""The statement and the budget as Excel workbooks (audited).

Headers in Chinese on the first row and in English on the second; amounts as numbers in
yuan with two decimals, counts as integers, so a workbook sums and filters as it is. Each
export is recorded in the audit log (Verb.BENEFIT_REPORT_EXPORTED) with its scope and size.
Aggregates only: no child is named in either workbook.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.catalogue import standards
from hehu.benefits.reports.budget import PARTLY, Budget, BudgetLine
from hehu.benefits.reports.figures import Figures
from hehu.benefits.reports.scope import ELSEWHERE
from hehu.benefits.reports.statement import (
    Statement,
    StatementRow,
    statement_levels,
)

MONEY_FORMAT = "#,##0.00"
Headers = Sequence[tuple[str, str]]
LEVEL_NAMES = {
    0: ("全国", "national"),
    2: ("省级", "province"),
    4: ("市级", "city"),
    6: ("县级", "county"),
    9: ("乡镇（街道）", "township"),
    12: ("村（社区）", "village"),
}
FIGURE_HEADERS = [
    ("人数", "children"),
    ("应发金额（元）", "due (yuan)"),
    ("已发放（元）", "paid"),
    ("发放失败（元）", "failed"),
    ("暂缓发放（元）", "held"),
    ("待发放（元）", "pending"),
    ("其中：补发（元）", "of which back pay"),
    ("其中：续发（元）", "of which carried"),
    ("其中：一次性救助（元）", "of which one-off aid"),
    ("其中：扣回多发（元）", "of which recoveries"),
]
COST_HEADERS = [
    ("实际应发（元）", "actual due (yuan)"),
    ("实际已发（元）", "actual paid"),
    ("预测（元）", "projected"),
    ("合计（元）", "total"),
]
STATUS_NAMES = {
    "generated": ("已生成待复核", "generated"),
    "submitted": ("已复核待审批", "submitted"),
    "approved": ("已审批", "approved"),
    "exported": ("已导出银行文件", "exported"),
    "reconciled": ("已对账", "reconciled"),
    "none": ("未生成名册", "no roll"),
}
BASIS_NAMES = {
    "actual": ("实际", "actual"),
    "projected": ("预测", "projected"),
    PARTLY: ("部分实际、部分预测", "partly actual, partly projected"),
}
ELSEWHERE_NAME = ("现居住地已不在本县（区）的儿童", "children living outside the county")


def _sheet(sheet: Worksheet, headers: Headers, rows: Iterable[list[Any]]) -> int:
    """Two header rows (Chinese, English), then the rows; amounts formatted as money."""
    sheet.append([zh for zh, _en in headers])
    sheet.append([en for _zh, en in headers])
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    n = 0
    for row in rows:
        sheet.append(row)
        n += 1
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FORMAT
    sheet.freeze_panes = "A3"
    return n


def _figures(figures: Figures) -> list[Any]:
    return [
        figures.children,
        figures.due,
        figures.paid,
        figures.failed,
        figures.held,
        figures.pending,
        figures.back_pay,
        figures.carried,
        figures.one_off,
        figures.recovery,
    ]


def _programme(code: str) -> tuple[str, str]:
    programme = standards().programmes.get(code)
    if programme is None:
        return code, code
    return programme.label.zh, programme.label.en


def _status(status: str) -> tuple[str, str]:
    return STATUS_NAMES.get(status, (status, status))


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _first(workbook: Workbook, title: str) -> Worksheet:
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet  # noqa: S101
    sheet.title = title
    return sheet


# -- the statement -----------------------------------------------------------------------------
def _row_name(row: StatementRow) -> str:
    return ELSEWHERE_NAME[0] if row.prefix == ELSEWHERE else row.name


def _by_programme(statement: Statement) -> list[list[Any]]:
    out = []
    for row in [statement.total, *statement.rows]:
        code = None if row.prefix == ELSEWHERE else row.prefix
        for programme in statement.programmes:
            zh, en = _programme(programme)
            figures = row.programmes.get(programme, Figures())
            out.append([code, _row_name(row), programme, zh, en, *_figures(figures)])
        out.append([code, _row_name(row), None, "合计", "total", *_figures(row.total)])
    return out


@transaction.atomic
def statement_workbook(*, actor: Any, statement: Statement) -> bytes:
    """The statement's workbook: every level below down to the village, the region and
    the next level by programme, and each county's roll of the month; audited."""
    scope = statement.scope
    workbook = Workbook()
    levels = statement_levels(statement)
    own = statement.total.cycle
    level_rows: list[list[Any]] = [
        [*LEVEL_NAMES[len(scope.region)], scope.region or None, scope.name]
        + [*(_status(own.status) if own is not None else (None, None)), None]
        + _figures(statement.total.total)
    ]
    for row in levels:
        status = _status(row.cycle.status) if row.cycle is not None else (None, None)
        level_rows.append(
            [*LEVEL_NAMES[row.length], row.prefix, row.name, *status]
            + ["是" if row.elsewhere else None]
            + _figures(row.figures)
        )
    summary = _first(workbook, "各级汇总 By region")
    _sheet(
        summary,
        [
            ("层级", "level"),
            ("Level", "level (English)"),
            ("区划代码", "region code"),
            ("区域", "region"),
            ("名册状态", "roll status"),
            ("Roll status", "roll status (English)"),
            ("现居住地不在本县", "living outside the county"),
            *FIGURE_HEADERS,
        ],
        level_rows,
    )
    _sheet(
        workbook.create_sheet("分项目 By programme"),
        [
            ("区划代码", "region code"),
            ("区域", "region"),
            ("项目代码", "programme code"),
            ("项目", "programme"),
            ("Programme", "programme (English)"),
            *FIGURE_HEADERS,
        ],
        _by_programme(statement),
    )
    _sheet(
        workbook.create_sheet("名册状态 Rolls"),
        [
            ("县（区）代码", "county code"),
            ("县（区）", "county"),
            ("名册编号", "roll number"),
            ("名册状态", "roll status"),
            ("Roll status", "roll status (English)"),
        ],
        [
            [
                c.county,
                c.name,
                f"{c.county}-{statement.month:%Y%m}" if c.cycle_id else None,
                *_status(c.status),
            ]
            for c in statement.counties
        ],
    )
    content = _bytes(workbook)
    audit_record(
        actor=actor,
        verb=Verb.BENEFIT_REPORT_EXPORTED,
        object_type="benefit_statement",
        object_id=f"{scope.region or '-'}:{statement.month:%Y-%m}",
        changes={
            "report": "statement",
            "region": scope.region,
            "month": f"{statement.month:%Y-%m}",
            "regions": len(levels),
            "counties": len(statement.counties),
        },
    )
    return content


# -- the budget --------------------------------------------------------------------------------
def _cost(line: BudgetLine) -> list[Any]:
    cost = line.total
    return [cost.actual_due, cost.actual_paid, cost.projected, cost.total]


def _programme_totals(budget: Budget, line: BudgetLine) -> list[Any]:
    return [
        line.programmes[p].total if p in line.programmes else Decimal("0.00")
        for p in budget.programmes
    ]


@transaction.atomic
def budget_workbook(*, actor: Any, budget: Budget) -> bytes:
    """The budget's workbook: by month, by region one level down, by programme; audited."""
    scope = budget.scope
    workbook = Workbook()
    programme_headers = [(f"{_programme(p)[0]}（元）", _programme(p)[1]) for p in budget.programmes]
    _sheet(
        _first(workbook, "按月 By month"),
        [
            ("月份", "month"),
            ("依据", "basis"),
            ("Basis", "basis (English)"),
            *COST_HEADERS,
            *programme_headers,
        ],
        [
            [m.key, *BASIS_NAMES[m.basis], *_cost(m), *_programme_totals(budget, m)]
            for m in [*budget.months]
        ]
        + [
            [
                "合计 total",
                None,
                None,
                *_cost(budget.total),
                *_programme_totals(budget, budget.total),
            ]
        ],
    )
    _sheet(
        workbook.create_sheet("按区域 By region"),
        [("区划代码", "region code"), ("区域", "region"), *COST_HEADERS, *programme_headers],
        [
            [
                None if r.key == ELSEWHERE else r.key,
                ELSEWHERE_NAME[0] if r.key == ELSEWHERE else r.name,
                *_cost(r),
                *_programme_totals(budget, r),
            ]
            for r in budget.rows
        ]
        + [
            [
                scope.region,
                scope.name,
                *_cost(budget.total),
                *_programme_totals(budget, budget.total),
            ]
        ],
    )
    programme_rows = []
    for code in budget.programmes:
        cost = budget.total.programmes[code]
        programme_rows.append(
            [code, *_programme(code), cost.actual_due, cost.actual_paid, cost.projected, cost.total]
        )
    _sheet(
        workbook.create_sheet("按项目 By programme"),
        [
            ("项目代码", "programme code"),
            ("项目", "programme"),
            ("Programme", "programme (English)"),
            *COST_HEADERS,
        ],
        programme_rows,
    )
    content = _bytes(workbook)
    audit_record(
        actor=actor,
        verb=Verb.BENEFIT_REPORT_EXPORTED,
        object_type="benefit_budget",
        object_id=f"{scope.region or '-'}:{budget.year}",
        changes={
            "report": "budget",
            "region": scope.region,
            "year": budget.year,
            "regions": len(budget.rows),
            "programmes": len(budget.programmes),
        },
    )
    return content
