"""The facts document (DOMAIN.md §11): its JSON Schema and the checks the schema cannot make.

The schema lives in `hehu/registry/schemas/facts-<version>.json` so that other systems can
validate against the same file. `validate_facts` returns every problem at once, each with
the JSON path of the field and a message in the user's language that names that path.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from hehu.core.text import join_list
from hehu.registry.idnumber import PROVINCE_CODES

FACTS_VERSION = "1.1"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
FACTS_SCHEMA_FILE = SCHEMA_DIR / f"facts-{FACTS_VERSION}.json"
ENVELOPE_SCHEMA_FILE = SCHEMA_DIR / f"facts-import-{FACTS_VERSION}.json"

DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
REGION_PATTERN = "^[0-9]{12}$"
ID_PATTERN = "^\\S+$"
_DATE_RE = re.compile(DATE_PATTERN)

# The facts fields each condition type may carry besides `type` (DOMAIN.md §4, §11).
# The schema's per-type branches must list exactly these (tested).
CONDITION_FIELDS: dict[str, tuple[str, ...]] = {
    "severe_disability": ("category", "grade", "since", "until", "evidence"),
    "serious_illness": ("illness", "since", "until", "evidence"),
    "imprisoned": ("since", "until", "term_months", "evidence"),
    "compulsory_rehab": ("since", "until", "term_months", "evidence"),
    "other_restriction": ("since", "until", "term_months", "evidence"),
    "lost_contact": ("police_accepted_on", "police_receipt", "until", "evidence"),
    "guardianship_revoked": ("on", "until", "evidence"),
    "deported": ("on", "supports_child", "evidence"),
}
# The date from which a condition holds, per type: `until` may not be earlier.
CONDITION_START = {
    "lost_contact": "police_accepted_on",
    "guardianship_revoked": "on",
    "deported": "on",
}
_EVENT_DATES = ("since", "police_accepted_on", "on")


@dataclass(frozen=True)
class FactsError:
    """One problem in a facts document: where (a JSON path such as
    `parents[1].conditions[0].since`; empty for the document itself) and what."""

    path: str
    detail: str
    code: str

    @property
    def message(self) -> str:
        return f"{self.path or _('文档')}：{self.detail}"

    def under(self, prefix: str) -> FactsError:
        """The same error for a document nested at `prefix` (e.g. "facts")."""
        path = f"{prefix}.{self.path}" if self.path else prefix
        return FactsError(path=path, detail=self.detail, code=self.code)

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


def load_schema(path: Path = FACTS_SCHEMA_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


@cache
def facts_schema() -> dict[str, Any]:
    return load_schema(FACTS_SCHEMA_FILE)


@cache
def _validator(path: Path) -> Draft202012Validator:
    facts = facts_schema()
    registry: Registry[Any] = Registry().with_resource(facts["$id"], Resource.from_contents(facts))
    schema = load_schema(path)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validate_facts(doc: object) -> list[FactsError]:
    """Every problem in a facts document, sorted by path; empty when the document is valid."""
    return _validate(doc, FACTS_SCHEMA_FILE, _semantic_errors)


def validate_envelope(doc: object) -> list[FactsError]:
    """Every problem in an import envelope {"facts": {...}, "child": {...}}."""

    def semantic(envelope: Any) -> Iterator[FactsError]:
        if isinstance(envelope, dict) and isinstance(envelope.get("facts"), dict):
            for error in _semantic_errors(envelope["facts"]):
                yield error.under("facts")

    return _validate(doc, ENVELOPE_SCHEMA_FILE, semantic)


def _validate(
    doc: object, schema_file: Path, semantic: Callable[[Any], Iterable[FactsError]]
) -> list[FactsError]:
    errors: list[FactsError] = []
    for error in _validator(schema_file).iter_errors(doc):
        errors.extend(_translate(error))
    errors.extend(semantic(doc))
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: _sort_key(e.path))


def _sort_key(path: str) -> list[tuple[int, int | str]]:
    key: list[tuple[int, int | str]] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            key.append((0, int(part[1:-1])))
        else:
            key.append((1, part))
    return key


def json_path(parts: Any) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_TYPE_NAMES = {
    "string": gettext_lazy("字符串"),
    "integer": gettext_lazy("整数"),
    "number": gettext_lazy("数字"),
    "boolean": gettext_lazy("布尔值（true 或 false）"),
    "object": gettext_lazy("对象"),
    "array": gettext_lazy("数组"),
}


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _translate(error: ValidationError) -> list[FactsError]:
    path = json_path(error.absolute_path)
    keyword = str(error.validator)
    value = error.validator_value
    instance = error.instance
    if keyword == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [
            FactsError(_join(path, name), _("未知字段，文档不接受此字段"), "unknown_field")
            for name in instance
            if name not in known
        ]
    if keyword == "required":
        return [
            FactsError(_join(path, name), _("缺少必填字段"), "required")
            for name in value
            if name not in instance
        ]
    code = _CODES.get(keyword, keyword)
    if keyword == "pattern" and value == DATE_PATTERN:
        code = "date"
    return [FactsError(path, _detail(keyword, value, instance), code)]


_CODES = {
    "type": "type",
    "enum": "choice",
    "const": "choice",
    "format": "date",
    "pattern": "format",
    "minimum": "range",
    "maximum": "range",
    "minLength": "length",
    "maxLength": "length",
    "maxItems": "length",
    "minProperties": "length",
}


def _detail(keyword: str, value: Any, instance: Any) -> str:
    if keyword == "type":
        return _("类型错误：应为%(type)s") % {"type": _TYPE_NAMES.get(str(value), str(value))}
    if keyword == "enum":
        return _("取值 %(value)s 无效，应为以下之一：%(choices)s") % {
            "value": _shown(instance),
            "choices": join_list(value),
        }
    if keyword == "const":
        return _("取值 %(value)s 无效，应为 %(expected)s") % {
            "value": _shown(instance),
            "expected": _shown(value),
        }
    if keyword == "format" or (keyword == "pattern" and value == DATE_PATTERN):
        if isinstance(instance, str) and _DATE_RE.match(instance):
            return _("日期 %(value)s 不存在") % {"value": instance}
        return _("日期格式应为 YYYY-MM-DD")
    if keyword == "pattern":
        if value == REGION_PATTERN:
            return _("区划代码应为 12 位数字")
        if value == ID_PATTERN:
            return _("编号不能为空，也不能包含空白字符")
        return _("格式不正确：%(value)s") % {"value": _shown(instance)}
    if keyword == "minimum":
        return _("应不小于 %(limit)s") % {"limit": value}
    if keyword == "maximum":
        return _("应不大于 %(limit)s") % {"limit": value}
    if keyword == "minLength":
        return _("不能为空")
    if keyword == "maxLength":
        return _("长度不能超过 %(limit)s 个字符") % {"limit": value}
    if keyword == "maxItems":
        return _("最多 %(limit)s 项") % {"limit": value}
    if keyword == "minProperties":
        return _("不能为空对象")
    return _("取值无效")


# ---- checks the schema cannot express ---------------------------------------------------


def parse_date(value: Any) -> dt.date | None:
    """The date in a YYYY-MM-DD string, or None when it is not one (or does not exist)."""
    if not isinstance(value, str) or not _DATE_RE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _semantic_errors(doc: Any) -> Iterator[FactsError]:
    if not isinstance(doc, dict):
        return
    today = timezone.localdate()
    birth_date = parse_date(doc.get("birth_date"))
    if birth_date is not None and birth_date > today:
        yield FactsError("birth_date", _("出生日期不能晚于今天"), "future_date")
    for field in ("region_code", "hukou_region_code"):
        yield from _region_errors(field, doc.get(field))
    if doc.get("serious_illness_name") and doc.get("serious_illness") is not True:
        yield FactsError(
            "serious_illness_name",
            _("填写了重病名称时，serious_illness 应为 true"),
            "inconsistent",
        )
    yield from _money_errors(doc)
    parents = doc.get("parents")
    if isinstance(parents, list):
        yield from _parent_errors(parents)
    concerns = doc.get("protection_concerns")
    if isinstance(concerns, list) and birth_date is not None:
        for i, concern in enumerate(concerns):
            since = parse_date(concern.get("since")) if isinstance(concern, dict) else None
            if since is not None and since < birth_date:
                yield FactsError(
                    f"protection_concerns[{i}].since",
                    _("发生日期不能早于儿童的出生日期"),
                    "date_order",
                )
    needs = doc.get("assessed_needs")
    if isinstance(needs, list):
        yield from _need_errors(needs, birth_date, today)


def _need_errors(
    needs: list[Any], birth_date: dt.date | None, today: dt.date
) -> Iterator[FactsError]:
    seen: set[Any] = set()
    for i, need in enumerate(needs):
        if not isinstance(need, dict):
            continue
        domain = need.get("domain")
        if domain in seen:
            yield FactsError(
                f"assessed_needs[{i}].domain",
                _("需求领域 %(domain)s 重复：每个领域只能有一项") % {"domain": domain},
                "duplicate",
            )
        seen.add(domain)
        on = parse_date(need.get("assessed_on"))
        if on is not None and on > today:
            yield FactsError(
                f"assessed_needs[{i}].assessed_on", _("评估日期不能晚于今天"), "future_date"
            )
        elif on is not None and birth_date is not None and on < birth_date:
            yield FactsError(
                f"assessed_needs[{i}].assessed_on",
                _("评估日期不能早于儿童的出生日期"),
                "date_order",
            )


def _region_errors(path: str, code: Any) -> Iterator[FactsError]:
    valid_shape = isinstance(code, str) and re.fullmatch(REGION_PATTERN[1:-1], code)
    if valid_shape and int(code[:2]) not in PROVINCE_CODES:
        yield FactsError(
            path, _("区划代码前两位 %(prefix)s 不是省级代码") % {"prefix": code[:2]}, "region"
        )


def _money_errors(doc: dict[str, Any]) -> Iterator[FactsError]:
    amounts: list[tuple[str, Any]] = []
    household = doc.get("household")
    if isinstance(household, dict):
        for field in ("dibao_child_amount", "income_per_capita"):
            amounts.append((f"household.{field}", household.get(field)))
    receiving = doc.get("receiving")
    if isinstance(receiving, list):
        for i, item in enumerate(receiving):
            if isinstance(item, dict):
                amounts.append((f"receiving[{i}].monthly_amount", item.get("monthly_amount")))
    for path, amount in amounts:
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            exponent = Decimal(str(amount)).as_tuple().exponent
            if isinstance(exponent, int) and exponent < -2:
                yield FactsError(path, _("金额最多保留两位小数"), "precision")


def _parent_errors(parents: list[Any]) -> Iterator[FactsError]:
    seen: set[str] = set()
    for i, parent in enumerate(parents):
        if not isinstance(parent, dict):
            continue
        role = parent.get("role")
        if isinstance(role, str) and role in seen:
            yield FactsError(
                f"parents[{i}].role",
                _("同一角色（%(role)s）只能出现一次") % {"role": role},
                "duplicate",
            )
        if isinstance(role, str):
            seen.add(role)
        conditions = parent.get("conditions")
        if not isinstance(conditions, list):
            continue
        for j, condition in enumerate(conditions):
            if isinstance(condition, dict):
                yield from _condition_errors(f"parents[{i}].conditions[{j}]", condition)


def _condition_errors(path: str, condition: dict[str, Any]) -> Iterator[FactsError]:
    today = timezone.localdate()
    for field in _EVENT_DATES:
        day = parse_date(condition.get(field))
        if day is not None and day > today:
            yield FactsError(f"{path}.{field}", _("日期不能晚于今天"), "future_date")
    start_field = CONDITION_START.get(str(condition.get("type")), "since")
    start = parse_date(condition.get(start_field))
    until = parse_date(condition.get("until"))
    if start is not None and until is not None and until < start:
        yield FactsError(
            f"{path}.until",
            _("结束日期 %(until)s 早于开始日期 %(start)s")
            % {"until": until.isoformat(), "start": start.isoformat()},
            "date_order",
        )
