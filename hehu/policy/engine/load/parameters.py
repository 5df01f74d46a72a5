"""The `parameters` section: typed values, by region and period.

A parameter declares its type and lists its values, each possibly scoped to a region (a
provincial override may only scope within its province) and to a period. Values must fit
the declared type; the values of one region must not overlap in time, and the unscoped
ones must cover every day of the policy's effective period.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from yaml.nodes import Node

from hehu.policy.engine.load.nodes import NodeReader
from hehu.policy.engine.model import Parameter, ParameterValue, Text
from hehu.policy.engine.types import PARAMETER_TYPES, Type

_REGION_LENGTHS = (2, 4, 6, 9, 12)
# The header of a data file beside the policies (procedures, benefit standards).
DATA_FORMAT_VERSION = 1
NATIONAL = "national"
_PROVINCE = re.compile(r"\d{2}")


class ParameterReader(NodeReader):
    """Reads the parameters of a policy file."""

    def data_file_header(
        self, top: dict[str, tuple[Node, Node]], format_key: str
    ) -> dict[str, Any]:
        """The header every data file beside the policies shares: `<format_key>: 1`, id,
        version, jurisdiction (national or a province), effective period, title."""
        node = top[format_key][1]
        if self.value(node) != DATA_FORMAT_VERSION:
            self.problem(
                "format",
                node,
                f"不支持的文件格式版本，应为 {format_key}: {DATA_FORMAT_VERSION}",
                f"unsupported format version; write {format_key}: {DATA_FORMAT_VERSION}",
            )
        jurisdiction = self.scalar_text(top["jurisdiction"][1], ("适用范围", "the jurisdiction"))
        if jurisdiction != NATIONAL and not _PROVINCE.fullmatch(jurisdiction or ""):
            self.problem(
                "jurisdiction",
                top["jurisdiction"][1],
                f'适用范围应为 national 或两位省级代码（如 "51"），不是“{jurisdiction}”',
                f"the jurisdiction must be 'national' or a 2-digit province code, "
                f"not '{jurisdiction}'",
            )
            jurisdiction = NATIONAL
        start = self.date(top["effective_from"][1], ("生效日期", "effective_from"))
        end = None
        if "effective_to" in top:
            end = self.date(top["effective_to"][1], ("失效日期", "effective_to"), optional=True)
        title = Text("", "")
        if "title" in top:
            title = self.text(top["title"][1], ("标题", "the title"))
        return {
            "id": self.scalar_text(top["id"][1], ("id", "id")) or "?",
            "version": self.scalar_text(top["version"][1], ("版本", "the version")) or "?",
            "jurisdiction": jurisdiction or NATIONAL,
            "effective_from": start or dt.date.min,
            "effective_to": end,
            "title": title,
        }

    def parameters(
        self, node: Node, header: dict[str, Any], *, province: str | None
    ) -> dict[str, Parameter]:
        found: dict[str, Parameter] = {}
        for name, key_node, value_node in self.named_entries(node, ("参数", "parameters")):
            self.mark(("parameter", name), key_node)
            what = (f"参数“{name}”", f"the parameter '{name}'")
            entries = self.mapping(value_node, what, ("type", "label", "values"))
            if len(entries) < 3:
                continue
            type_name = self.scalar_text(entries["type"][1], what) or ""
            declared = PARAMETER_TYPES.get(type_name)
            if declared is None:
                allowed = ", ".join(PARAMETER_TYPES)
                self.problem(
                    "type",
                    entries["type"][1],
                    f"{what[0]}的类型“{type_name}”未知（可用：{allowed}）",
                    f"{what[1]} has an unknown type '{type_name}' (use one of: {allowed})",
                )
                continue
            label = self.text(entries["label"][1], what)
            reported = len(self.problems)
            values = self.parameter_values(name, declared, entries["values"][1], province)
            if len(self.problems) == reported:
                # Periods are judged only over values that were read: a dropped value
                # would show up again as a gap.
                self.parameter_periods(name, values, header, key_node)
            found[name] = Parameter(
                name, declared, label, tuple(v for v, _ in values), key_node.start_mark.line + 1
            )
        return found

    def parameter_values(
        self, name: str, declared: Type, node: Node, province: str | None
    ) -> list[tuple[ParameterValue, Node]]:
        what = (f"参数“{name}”的取值", f"the values of '{name}'")
        values: list[tuple[ParameterValue, Node]] = []
        for item in self.sequence(node, what):
            entries = self.mapping(item, what, ("value",), ("region", "from", "to"))
            if "value" not in entries:
                continue
            value_node = entries["value"][1]
            value = self.value(value_node)
            if not _value_fits(value, declared):
                self.problem(
                    "type",
                    value_node,
                    f"参数“{name}”的值应是 {declared}，这里是“{value_node.value}”",
                    f"a value of '{name}' must be a {declared}, not '{value_node.value}'",
                )
                continue
            if declared.kind == "double":
                value = float(value)
            region = ""
            if "region" in entries:
                scoped = self.region(name, entries["region"][1], province)
                if scoped is None:
                    continue
                region = scoped
            start = (
                self.date(entries["from"][1], what, optional=True) if "from" in entries else None
            )
            end = self.date(entries["to"][1], what, optional=True) if "to" in entries else None
            if start and end and end < start:
                self.problem(
                    "period",
                    entries["to"][1],
                    f"参数“{name}”的取值结束日期早于开始日期",
                    f"a value of '{name}' ends before it starts",
                )
                continue
            values.append((ParameterValue(value, region, start, end), item))
        return values

    def region(self, name: str, node: Node, province: str | None) -> str | None:
        region = self.scalar_text(node, (f"参数“{name}”的地区", f"the region of '{name}'"))
        if region is None:
            return None
        if not (region.isdigit() and len(region) in _REGION_LENGTHS):
            self.problem(
                "region",
                node,
                f"参数“{name}”的地区“{region}”应是 2、4、6、9 或 12 位数字的区划代码",
                f"the region '{region}' of '{name}' must be a code of 2, 4, 6, 9 or 12 digits",
            )
            return None
        if province is not None and not region.startswith(province):
            self.problem(
                "region",
                node,
                f"参数“{name}”的地区“{region}”不在本省（{province}）范围内",
                f"the region '{region}' of '{name}' lies outside province {province}",
            )
            return None
        return region

    def parameter_periods(
        self,
        name: str,
        values: list[tuple[ParameterValue, Node]],
        header: dict[str, Any],
        key_node: Node,
    ) -> None:
        """Values of one region must not overlap; unscoped ones must cover the policy."""
        lo, hi = dt.date.min, dt.date.max
        by_region: dict[str, list[tuple[ParameterValue, Node]]] = {}
        for value, item in values:
            by_region.setdefault(value.region, []).append((value, item))
        for region, scoped in by_region.items():
            ordered = sorted(scoped, key=lambda v: v[0].valid_from or lo)
            for (before, _), (after, item) in zip(ordered, ordered[1:], strict=False):
                if (after.valid_from or lo) <= (before.valid_to or hi):
                    where = f"地区 {region}" if region else "全国"
                    where_en = f"region {region}" if region else "everywhere"
                    self.problem(
                        "overlap",
                        item,
                        f"参数“{name}”在{where}有两个时间重叠的取值",
                        f"the parameter '{name}' has two values for {where_en} "
                        "whose periods overlap",
                    )
        gap = _first_uncovered(
            [v for v, _ in by_region.get("", [])], header["effective_from"], header["effective_to"]
        )
        if gap is not None:
            self.problem(
                "uncovered",
                key_node,
                f"参数“{name}”在 {gap.isoformat()} 没有全国通用的取值（政策有效期内每天都要有）",
                f"the parameter '{name}' has no unscoped value on {gap.isoformat()}, "
                "a date within the policy's effective period",
            )


def _value_fits(value: Any, declared: Type) -> bool:
    """Whether a YAML value may be a parameter value of the declared type."""
    kind = declared.kind
    if kind == "list":
        return isinstance(value, list) and all(
            _value_fits(v, declared.elem) for v in value if declared.elem is not None
        )
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "double":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "date":
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return False


def _first_uncovered(
    values: list[ParameterValue], start: dt.date, end: dt.date | None
) -> dt.date | None:
    """The first date in [start, end] (end None = open) no value covers, if any."""
    cursor = start
    while True:
        covering = [v for v in values if v.covers(cursor)]
        if not covering:
            return cursor
        if any(v.valid_to is None for v in covering):
            return None
        reach = max(v.valid_to for v in covering if v.valid_to is not None)
        if reach >= (end or dt.date.max) or reach == dt.date.max:
            return None
        cursor = reach + dt.timedelta(days=1)
