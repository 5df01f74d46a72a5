"""The history of a file in plain words: who changed what, old value → new value.

Audit entries keep changes as {path: [old, new]} with paths of the input shape
("parents[father].conditions[0].until"); this turns each path into the labels the user
saw on the form ("父亲 · 情形1 · 结束日期") and each stored value into its display text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from hehu.audit.models import AuditEntry
from hehu.registry.models import (
    Child,
    Household,
    HouseholdMember,
    Parent,
    ParentCondition,
    ProtectionConcern,
    Receiving,
)
from hehu.registry.selectors import history_changes_for

_SEGMENT = re.compile(r"^(?P<name>\w+)(?:\[(?P<key>\w+)\])?$")


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    entry: AuditEntry
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _verbose(model: type[models.Model], name: str) -> tuple[str, models.Field[Any, Any] | None]:
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name, None
    if not isinstance(model_field, models.Field):
        return name, None
    return str(model_field.verbose_name), model_field


_CHILD_EXTRA = {
    "id_number": lambda: _("身份证号码"),
    "region_code": lambda: _("现居住地"),
    "hukou_region_code": lambda: _("户籍所在地"),
    "household": lambda: _("家庭"),
    "status": lambda: _("档案状态"),
    "merged_into": lambda: _("并入档案"),
}


def describe_path(path: str) -> tuple[str, models.Field[Any, Any] | None]:
    """The label of a change path, and the model field it ends on (for value display)."""
    parts = [_SEGMENT.match(p) for p in path.split(".")]
    if any(p is None for p in parts) or not parts:
        return path, None
    head = parts[0]
    assert head is not None  # noqa: S101 - checked above
    rest = [p for p in parts[1:] if p is not None]
    name, key = head["name"], head["key"]
    if name == "household" and rest:
        sub = rest[0]
        if sub["name"] == "members" and len(rest) == 2:
            label, f = _verbose(HouseholdMember, rest[1]["name"])
            member = _("家庭成员%(n)s") % {"n": _ordinal(sub["key"])}
            return f"{member} · {label}", f
        label, f = _verbose(Household, sub["name"])
        household = _("家庭")
        return f"{household} · {label}", f
    if name == "parents" and rest:
        who = _parent_label(key)
        if rest[0]["name"] == "conditions" and len(rest) == 2:
            label, f = _verbose(ParentCondition, rest[1]["name"])
            condition = _("情形%(n)s") % {"n": _ordinal(rest[0]["key"])}
            return f"{who} · {condition} · {label}", f
        label, f = _verbose(Parent, rest[0]["name"])
        return f"{who} · {label}", f
    if name == "concerns" and rest:
        label, f = _verbose(ProtectionConcern, rest[0]["name"])
        concern = _("保护关切%(n)s") % {"n": _ordinal(key)}
        return f"{concern} · {label}", f
    if name == "receiving" and rest:
        label, f = _verbose(Receiving, rest[0]["name"])
        benefit = _("已享受待遇%(n)s") % {"n": _ordinal(key)}
        return f"{benefit} · {label}", f
    if name in _CHILD_EXTRA and not rest:
        return str(_CHILD_EXTRA[name]()), None
    if not rest:
        return _verbose(Child, name)
    return path, None


def _ordinal(key: str | None) -> str:
    return str(int(key) + 1) if key is not None and key.isdigit() else ""


def _parent_label(key: str | None) -> str:
    if key in Parent.Role.values:
        return str(Parent.Role(key).label)
    if key is not None and key.isdigit():
        return _("父母%(n)s") % {"n": int(key) + 1}
    return str(_("父母"))


def display_value(value: Any, model_field: models.Field[Any, Any] | None = None) -> str:
    if value is None or value == "":
        return str(_("（空）"))
    if isinstance(value, bool):
        return str(_("是")) if value else str(_("否"))
    if model_field is not None and model_field.choices:
        labels = {str(k): str(v) for k, v in model_field.flatchoices}
        return labels.get(str(value), str(value))
    return str(value)


def _pairs(changes: dict[str, Any]) -> list[Change]:
    rows = []
    for path, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            label, model_field = describe_path(path)
            rows.append(
                Change(
                    label=label,
                    old=display_value(value[0], model_field),
                    new=display_value(value[1], model_field),
                )
            )
    return rows


def history_row(entry: AuditEntry, user: Any = None) -> HistoryRow:
    changes: dict[str, Any] = entry.changes or {}
    if user is not None:
        changes = history_changes_for(user, changes)
    row = HistoryRow(entry=entry, changes=_pairs(changes))
    if "merged_from" in changes:
        row.notes.append(_("并入了档案 %(id)s") % {"id": changes["merged_from"]})
    filled = changes.get("filled")
    if isinstance(filled, dict):
        row.changes.extend(_pairs(filled))
    conflicts = changes.get("conflicts")
    if isinstance(conflicts, dict):
        for path, value in conflicts.items():
            label, model_field = describe_path(path)
            row.notes.append(
                _("%(label)s：保留本档案的值；被并入档案的值为“%(value)s”，已记录在此")
                % {"label": label, "value": display_value(value, model_field)}
            )
    return row


def history_rows(entries: list[AuditEntry], *, user: Any = None) -> list[HistoryRow]:
    """The rows as `user` may see them (protection concerns left out where they may not)."""
    return [history_row(entry, user) for entry in entries]
