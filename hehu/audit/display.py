"""Turning an entry's `changes` into rows a person can read: field label, old → new.

Services record changes as `{path: [old, new]}` (the registry's file diff), as
`{field: {"old": …, "new": …}}` (accounts), or as plain values (a merge's summary, a region
import's counts). Paths name nested parts of a file: `parents[father].conditions[0].since`.
Values arrive already masked by the service that wrote them; nothing here decrypts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from hehu.accounts.models import User
from hehu.audit.models import AuditEntry, Verb
from hehu.registry.models import (
    Attachment,
    Child,
    Household,
    HouseholdMember,
    Parent,
    ParentCondition,
    ProtectionConcern,
    Receiving,
)

_OBJECT_MODELS: dict[str, type[models.Model]] = {
    "child": Child,
    "attachment": Attachment,
    "user": User,
}
_CONTAINERS: dict[str, type[models.Model]] = {
    "household": Household,
    "members": HouseholdMember,
    "parents": Parent,
    "conditions": ParentCondition,
    "concerns": ProtectionConcern,
    "receiving": Receiving,
    "attachments": Attachment,
}
_LABELS = {
    "id_number": gettext_lazy("身份证号"),
    "region_code": gettext_lazy("现居住地"),
    "hukou_region_code": gettext_lazy("户籍所在地"),
    "status": gettext_lazy("档案状态"),
    "merged_from": gettext_lazy("并入的档案编号"),
    "merged_into": gettext_lazy("合并到档案编号"),
    "filled": gettext_lazy("从被合并档案补全"),
    "conflicts": gettext_lazy("被合并档案中不同的值（未采用）"),
    "moved": gettext_lazy("转入的记录数"),
    "prefixes": gettext_lazy("管辖范围"),
    "organisation": gettext_lazy("社会组织"),
    "password": gettext_lazy("密码"),
    "locked": gettext_lazy("登录锁定"),
    "is_active": gettext_lazy("账号启用"),
    "actor": gettext_lazy("操作人账号"),
    "verb": gettext_lazy("操作"),
    "date_from": gettext_lazy("开始日期"),
    "date_to": gettext_lazy("结束日期"),
    "child": gettext_lazy("儿童档案编号"),
}
_SEGMENT_RE = re.compile(r"^(?P<name>\w+)(?:\[(?P<key>[^\]]+)\])?$")
_MAX_DEPTH = 4


@dataclass(frozen=True)
class ChangeRow:
    path: str
    label: str
    old: str
    new: str
    is_change: bool  # False: a plain value (shown as `new`), not an old → new pair


def _model_field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _segment_label(name: str, key: str | None) -> tuple[str, type[models.Model] | None]:
    model = _CONTAINERS.get(name)
    if model is None:
        return str(_LABELS.get(name, name)) + (f"[{key}]" if key else ""), None
    label = str(model._meta.verbose_name)
    if key is not None and key.isdigit():
        label = f"{label} {int(key) + 1}"
    elif key is not None and model is Parent:
        label = str(dict(Parent.Role.choices).get(key, key))
    return label, model


def describe(object_type: str, path: str) -> tuple[str, models.Field[Any, Any] | None]:
    """A readable label for a change path, and the model field it names (if any)."""
    model: type[models.Model] | None = _OBJECT_MODELS.get(object_type)
    labels: list[str] = []
    segments = path.split(".")
    for segment in segments[:-1]:
        match = _SEGMENT_RE.match(segment)
        if match is None:
            labels.append(segment)
            continue
        label, container = _segment_label(match["name"], match["key"])
        labels.append(label)
        model = container or model
    last = segments[-1]
    field = _model_field(model, last)
    if last in _CONTAINERS:  # a count of rows, e.g. a merge's "moved.attachments"
        labels.append(str(_CONTAINERS[last]._meta.verbose_name_plural))
    elif last in _LABELS or field is None:
        labels.append(str(_LABELS.get(last, last)))
    else:
        labels.append(str(field.verbose_name))
    return " · ".join(labels), field


def show_value(value: Any, field: models.Field[Any, Any] | None = None) -> str:
    """A stored value as text: choices by their label, yes/no, '—' for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
        separator = "、" if (get_language() or "zh-hans").startswith("zh") else ", "
        return separator.join(show_value(v, field) for v in value) or "—"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _shown(key: str, value: Any, field: models.Field[Any, Any] | None) -> str:
    if key == "prefixes" and isinstance(value, list):
        # Jurisdictions of an account: the empty prefix is the whole country.
        value = [p or str(_("全国")) for p in value]
    if key == "verb" and value in Verb.values:  # the operation an audit search asked for
        return str(Verb(value).label)
    return show_value(value, field)


def _pair(value: Any) -> tuple[Any, Any] | None:
    if isinstance(value, dict) and set(value) == {"old", "new"}:
        return value["old"], value["new"]
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    return None


def _rows(object_type: str, changes: Any, prefix: str, depth: int) -> list[ChangeRow]:
    rows: list[ChangeRow] = []
    for key in sorted(changes, key=str):
        value, path = changes[key], f"{prefix}{key}"
        pair = _pair(value)
        if pair is None and isinstance(value, dict) and value and depth < _MAX_DEPTH:
            rows.extend(_rows(object_type, value, f"{path}.", depth + 1))
            continue
        label, field = describe(object_type, path)
        if pair is not None:
            old, new = (_shown(key, v, field) for v in pair)
            if old != new:  # e.g. None → "" when a file is created: nothing to say
                rows.append(ChangeRow(path, label, old, new, is_change=True))
        else:
            rows.append(ChangeRow(path, label, "", _shown(key, value, field), is_change=False))
    return rows


_OBJECT_LABELS = {
    "child": gettext_lazy("儿童档案"),
    "user": gettext_lazy("账号"),
    "attachment": gettext_lazy("附件"),
    "region_table": gettext_lazy("区划表"),
    "audit_log": gettext_lazy("审计记录"),
    "policy": gettext_lazy("认定政策"),
    "population_run": gettext_lazy("全员认定"),
    "simulation": gettext_lazy("政策试算"),
    "case": gettext_lazy("个案"),
    "assessment": gettext_lazy("评估"),
    "plan": gettext_lazy("服务计划"),
    "visit": gettext_lazy("走访"),
    "application": gettext_lazy("认定申请"),
    "sweep": gettext_lazy("期限巡查"),
    "sweep_request": gettext_lazy("期限巡查请求"),
    "work_item": gettext_lazy("待办事项"),
    "report": gettext_lazy("强制报告"),
    "removal": gettext_lazy("紧急带离"),
    "placement": gettext_lazy("安置"),
    "care_facility": gettext_lazy("安置场所"),
    "intervention": gettext_lazy("监护干预措施"),
    "protection_clocks": gettext_lazy("保护期限巡查"),
}


def object_label(entry: AuditEntry) -> str:
    """What the entry is about, in words: '账号 12', '区划表'."""
    kind = str(_OBJECT_LABELS.get(entry.object_type, entry.object_type))
    if entry.object_id and entry.object_type != "audit_log":
        return f"{kind} {entry.object_id}"
    return kind


def change_rows(entry: AuditEntry) -> list[ChangeRow]:
    """The entry's changes as readable rows, in path order."""
    if not isinstance(entry.changes, dict):
        return [ChangeRow("", "", "", show_value(entry.changes), is_change=False)]
    return _rows(entry.object_type, entry.changes, "", 0)


@dataclass(frozen=True)
class EntryRow:
    """One entry as a page shows it."""

    entry: AuditEntry
    about: str
    changes: list[ChangeRow]


def entry_row(entry: AuditEntry) -> EntryRow:
    return EntryRow(entry=entry, about=object_label(entry), changes=change_rows(entry))
