"""A simulation as an Excel workbook, within the reader's jurisdiction (audited).

Sheet 1, the counts: every region within the reader's reach at every level from their own
down to the village, per category: current, draft, change, entered, left. Sheet 2, for
roles that open files only: the children who would enter or leave a category, scoped by
the registry's scoping. The export is recorded in the audit log with its row counts.
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.policy.simulation.models import LEVELS, Simulation
from hehu.policy.simulation.selectors import (
    category_name,
    prefix_names,
    reach_of,
    simulation_changes_visible_to,
)

MAX_CHANGE_ROWS = 1_000_000  # one sheet holds 1,048,576 rows


def _summary_rows(simulation: Simulation, reach: list[str]) -> list[list[Any]]:
    levels: dict[str, dict[str, Any]] = simulation.summary.get("levels", {})
    prefixes = [
        prefix
        for level in LEVELS
        for prefix in levels.get(str(level), {})
        if any(prefix.startswith(p) and len(prefix) >= len(p) for p in reach)
    ]
    names = prefix_names(prefixes)
    rows = []
    for prefix in sorted(prefixes, key=lambda p: (p.ljust(12, "0"), len(p))):
        cells = levels[str(len(prefix))][prefix]
        for category in simulation.categories:
            current, draft, entered, left = cells.get(category["code"], [0, 0, 0, 0])
            rows.append(
                [
                    len(prefix),
                    prefix,
                    names.get(prefix, prefix),
                    cells.get("_n", 0),
                    category_name(category),
                    current,
                    draft,
                    draft - current,
                    entered,
                    left,
                ]
            )
    return rows


def _sheet(sheet: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"


@transaction.atomic
def simulation_export(*, actor: Any, simulation: Simulation) -> bytes:
    """The workbook of a finished simulation for this reader; the export is audited."""
    reach = reach_of(actor)
    summary = _summary_rows(simulation, reach)
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # a new workbook has its sheet  # noqa: S101
    first.title = _("各区域汇总")
    _sheet(
        first,
        [
            _("层级（代码位数）"),
            _("区划代码"),
            _("区域"),
            _("儿童人数"),
            _("类别"),
            _("现行"),
            _("草案"),
            _("增减"),
            _("将纳入"),
            _("将退出"),
        ],
        summary,
    )
    names = {c["code"]: category_name(c) for c in simulation.categories}
    changes = simulation_changes_visible_to(simulation=simulation, user=actor)
    listed = 0
    if has_perm(actor, Perm.VIEW_CHILD):
        sheet = workbook.create_sheet(_("变化名单"))
        directions = {"entered": _("将纳入"), "left": _("将退出")}
        rows = [
            [
                c.child_id,
                c.child.name,
                c.region_code,
                names.get(c.category, c.category),
                directions.get(c.direction, c.direction),
            ]
            for c in changes[:MAX_CHANGE_ROWS]
        ]
        listed = len(rows)
        _sheet(sheet, [_("档案编号"), _("姓名"), _("区划代码"), _("类别"), _("变化")], rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit_record(
        actor=actor,
        verb=Verb.SIMULATION_EXPORTED,
        object_type="simulation",
        object_id=simulation.pk,
        changes={"regions": reach, "summary_rows": len(summary), "children_listed": listed},
    )
    return buffer.getvalue()
