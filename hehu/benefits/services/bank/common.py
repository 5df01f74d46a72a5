"""What the bank file services share: the layouts, the cycle within reach and locked, and
the shape of a refused file (every problem, line by line)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.bankfiles import BankLayout, load_layouts
from hehu.benefits.catalogue import DEFAULT_DIR
from hehu.benefits.models import PaymentCycle
from hehu.benefits.selectors import reaches_county
from hehu.core.errors import PermissionRefused, ValidationFailed

# A refused file lists at most this many problems (then how many more there are).
LINES_SHOWN = 200


# -- layouts -----------------------------------------------------------------------------------
def bank_layouts_dir() -> Path:
    configured = getattr(settings, "HEHU_BANK_LAYOUT_DIR", None)
    return Path(configured) if configured else DEFAULT_DIR / "bank-layouts"


@functools.cache
def _load(directory: Path) -> dict[str, BankLayout]:
    return load_layouts(directory)


def bank_layouts() -> dict[str, BankLayout]:
    """The bank layouts by code, loaded and checked once per process."""
    return _load(bank_layouts_dir())


def layout_by_code(code: str) -> BankLayout:
    layouts = bank_layouts()
    if code not in layouts:
        known = "、".join(f"{c}（{layout.label.zh}）" for c, layout in layouts.items())
        raise ValidationFailed({"layout": [_("请选择银行文件格式：%s") % known]})
    return layouts[code]


# -- access ------------------------------------------------------------------------------------
def locked_cycle(actor: Any, cycle: PaymentCycle) -> PaymentCycle:
    """The cycle locked for this transaction (exports, imports and reconciliation of one
    cycle run one at a time), after the jurisdiction and permission checks."""
    if not reaches_county(actor, cycle.county_code):
        raise Http404
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("银行文件的导出、回盘导入和对账由县级民政部门办理"))
    return PaymentCycle.objects.select_for_update().get(pk=cycle.pk)


def first_references(references: list[str], shown: int = 20) -> str:
    text = "、".join(references[:shown])
    return text + ("…" if len(references) > shown else "")


# -- refusals ----------------------------------------------------------------------------------
def at_line(line: int | None, message: str) -> str:
    if line is None:
        return message
    return _("第 %(line)d 行：%(message)s") % {"line": line, "message": message}


def file_refusal(filename: str, lines: Iterable[str]) -> ValidationFailed:
    found = list(lines)
    shown = found[:LINES_SHOWN]
    if len(found) > LINES_SHOWN:
        shown.append(_("……另有 %d 处问题未列出") % (len(found) - LINES_SHOWN))
    summary = _(
        "回盘文件“%(name)s”有 %(count)d 处问题，未导入任何结果；请改正后重新导入整个文件"
    ) % {"name": filename, "count": len(found)}
    return ValidationFailed({"file": [summary], "lines": shown})
