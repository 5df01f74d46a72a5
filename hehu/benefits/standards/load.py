"""Every benefit file of a directory, merged and checked; standards resolved by region and month.

One national file declares the programmes; province files add standards within their
province. Refused at load, each with file:line: two standards of one programme for the
same region whose periods overlap; a formula naming an unknown programme or a parameter
nobody declared; formulas that depend on each other in a cycle; a city or county standard
below the province's for the same month (市、县只能提高标准，不能降低); a negative amount; a
category the national policy (policies/cn-national.yaml) does not define.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from pathlib import Path

from hehu.benefits.standards.model import Formula, Programme, Standard, StandardValue
from hehu.benefits.standards.read import BenefitFile, read_benefit_text
from hehu.policy.engine import ast
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load import load_policy_file
from hehu.policy.engine.load.parameters import NATIONAL
from hehu.policy.engine.model import Parameter

FEN = Decimal("0.01")
PROVINCE_LENGTH = 2


class NoStandard(LookupError):
    """No standard of the programme covers the region and month."""


@dataclass
class Standards:
    """All programmes and their standards in force: national plus provincial."""

    programmes: dict[str, Programme] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    files: list[BenefitFile] = field(default_factory=list)

    def standard(self, programme: str, region_code: str, month: dt.date) -> Standard:
        """The standard for a region (code or prefix) and month (its first day).

        KeyError for an unknown programme, NoStandard when no standard covers the month.
        """
        if month.day != 1:
            raise ValueError(f"a month is given by its first day, not {month.isoformat()}")
        return self._standard(programme, region_code, month, below=None)

    def standard_amount(self, programme: str, region_code: str, month: dt.date) -> Decimal | None:
        """The amount in yuan, rounded to the fen; None when it is decided per case."""
        return self.standard(programme, region_code, month).amount

    def _standard(
        self, code: str, region_code: str, month: dt.date, *, below: int | None
    ) -> Standard:
        value = _value_for(self.programmes[code], region_code, month, below)
        if value is None:
            raise NoStandard(f"no standard of {code!r} for {region_code} in {month:%Y-%m}")
        amount = value.amount
        inputs: tuple[tuple[str, Decimal | None], ...] = ()
        if value.formula is not None:
            amount, inputs = self._evaluate(value.formula, region_code, month)
        if amount is not None:
            amount = amount.quantize(FEN, rounding=ROUND_HALF_UP)
        return Standard(
            programme=code,
            region_code=region_code,
            month=month,
            amount=amount,
            file=value.file,
            line=value.line,
            region=value.region,
            formula=value.formula.source if value.formula else None,
            inputs=inputs,
        )

    def _evaluate(
        self, formula: Formula, region_code: str, month: dt.date
    ) -> tuple[Decimal | None, tuple[tuple[str, Decimal | None], ...]]:
        env: dict[str, Decimal | None] = {}
        for name in formula.programmes:
            env[name] = self._standard(name, region_code, month, below=None).amount
        for name in formula.parameters:
            raw = self.parameters[name].value_for(region_code, month)
            if raw is None:
                raise NoStandard(f"the parameter {name!r} has no value in {month:%Y-%m}")
            env[f"params.{name}"] = Decimal(str(raw))
        return _arithmetic(formula.expr, env), tuple(env.items())


def _value_for(
    programme: Programme, region_code: str, month: dt.date, below: int | None
) -> StandardValue | None:
    """The most specific standard covering the month (regions shorter than `below` only)."""
    best: StandardValue | None = None
    for candidate in programme.values:
        if not candidate.covers(month) or not region_code.startswith(candidate.region):
            continue
        if below is not None and len(candidate.region) >= below:
            continue
        if best is None or len(candidate.region) > len(best.region):
            best = candidate
    return best


def _arithmetic(node: ast.Expr, env: dict[str, Decimal | None]) -> Decimal | None:
    """A formula in decimal arithmetic (money is never a float); null in, null out."""
    if isinstance(node, ast.Literal):
        return Decimal(str(node.value))
    if isinstance(node, ast.Ident):
        return env[node.name]
    if isinstance(node, ast.Select):
        return env[f"params.{node.field}"]
    if isinstance(node, ast.Unary):
        operand = _arithmetic(node.operand, env)
        return None if operand is None else -operand
    if isinstance(node, ast.Call):
        args = [_arithmetic(a, env) for a in node.args]
        known = [a for a in args if a is not None]
        if len(known) < len(args):
            return None
        return max(known) if node.function == "max" else min(known)
    if not isinstance(node, ast.Binary):  # the reader admits nothing else
        raise TypeError(f"not a formula: {type(node).__name__}")
    left, right = _arithmetic(node.left, env), _arithmetic(node.right, env)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    try:
        return left / right
    except (DivisionByZero, InvalidOperation):
        return None


# -- loading ---------------------------------------------------------------------------
def policy_categories(policy_file: Path) -> frozenset[str]:
    """The category codes of the national policy, read by the policy engine's loader."""
    return frozenset(c.code for c in load_policy_file(policy_file).categories)


def load_standards(directory: Path, *, policy_file: Path | None = None) -> Standards:
    """Every *.yaml in `directory`: one national file, any number of provinces.

    Categories are checked against `policy_file` (default: cn-national.yaml in the
    directory's parent, i.e. policies/cn-national.yaml).
    """
    categories = policy_categories(policy_file or directory.parent / "cn-national.yaml")
    problems: list[PolicyProblem] = []
    files: list[BenefitFile] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
            files.append(read_benefit_text(text, str(path), categories))
        except PolicyErrors as exc:
            problems.extend(exc.problems)
    national = [f for f in files if f.jurisdiction == NATIONAL]
    if not problems and len(national) != 1:
        problems.append(
            PolicyProblem(
                "national",
                f"{directory} 中应有且只有一个全国救助标准文件，现有 {len(national)} 个",
                f"{directory} must hold exactly one national benefit file, not {len(national)}",
                str(directory),
            )
        )
    if problems:
        raise PolicyErrors(problems)
    standards = _merge(national[0], [f for f in files if f.jurisdiction != NATIONAL], problems)
    if not problems:
        problems.extend(_check_formulas(standards))
    if not problems:
        problems.extend(_check_cycles(standards))
    if not problems:
        problems.extend(_check_overlaps(standards))
    if not problems:
        problems.extend(_check_raise_only(standards))
    if problems:
        raise PolicyErrors(problems)
    return standards


def _merge(
    national: BenefitFile, provinces: list[BenefitFile], problems: list[PolicyProblem]
) -> Standards:
    parameters = dict(national.parameters)
    programmes = dict(national.programmes)
    for province in provinces:
        for name, parameter in province.parameters.items():
            base = parameters.get(name)
            if base is None or base.type != parameter.type:
                problems.append(
                    PolicyProblem(
                        "unknown_parameter" if base is None else "type",
                        f"全国救助标准文件没有声明参数“{name}”"
                        if base is None
                        else f"参数“{name}”的类型应与全国文件一致（{base.type}）",
                        f"the national benefit file declares no parameter '{name}'"
                        if base is None
                        else f"the parameter '{name}' must keep the national type ({base.type})",
                        province.file,
                        parameter.line,
                    )
                )
                continue
            parameters[name] = replace(base, values=base.values + parameter.values)
        for code, (values, line) in province.additions.items():
            if code not in programmes:
                problems.append(
                    PolicyProblem(
                        "unknown_programme",
                        f"全国救助标准文件没有声明救助项目“{code}”",
                        f"the national benefit file declares no programme '{code}'",
                        province.file,
                        line,
                    )
                )
                continue
            programmes[code] = replace(programmes[code], values=programmes[code].values + values)
    return Standards(programmes, parameters, [national, *provinces])


def _formula_values(standards: Standards) -> list[tuple[str, StandardValue, Formula]]:
    return [
        (code, value, value.formula)
        for code, programme in standards.programmes.items()
        for value in programme.values
        if value.formula is not None
    ]


def _check_formulas(standards: Standards) -> list[PolicyProblem]:
    problems: list[PolicyProblem] = []
    for code, value, formula in _formula_values(standards):
        for name in formula.programmes:
            if name not in standards.programmes:
                problems.append(
                    PolicyProblem(
                        "unknown_programme",
                        f"救助项目“{code}”的公式引用了不存在的救助项目“{name}”",
                        f"the formula of '{code}' names an unknown programme '{name}'",
                        value.file,
                        value.line,
                    )
                )
        for name in formula.parameters:
            if name not in standards.parameters:
                problems.append(
                    PolicyProblem(
                        "missing_parameter",
                        f"救助项目“{code}”的公式使用了未声明的参数“params.{name}”",
                        f"the formula of '{code}' uses a parameter 'params.{name}' "
                        "that is not declared",
                        value.file,
                        value.line,
                    )
                )
    for code, programme in standards.programmes.items():
        for other in programme.stacking.exclusive_with:
            if other not in standards.programmes:
                problems.append(
                    PolicyProblem(
                        "unknown_programme",
                        f"救助项目“{code}”的叠加规则引用了不存在的救助项目“{other}”",
                        f"the stacking rule of '{code}' names an unknown programme '{other}'",
                        programme.file,
                        programme.line,
                    )
                )
    return problems


def _check_cycles(standards: Standards) -> list[PolicyProblem]:
    """Formulas may not depend on each other in a cycle (over every region and period)."""
    graph: dict[str, set[str]] = {code: set() for code in standards.programmes}
    first: dict[tuple[str, str], StandardValue] = {}
    for code, value, formula in _formula_values(standards):
        for name in formula.programmes:
            graph[code].add(name)
            first.setdefault((code, name), value)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        cycle: list[str] = list(reversed(exc.args[1]))  # a → b → … → a, in formula order
        where = first[(cycle[0], cycle[1])]
        path = " → ".join(cycle)
        return [
            PolicyProblem(
                "cycle",
                f"救助项目的公式互相引用，形成循环：{path}",
                f"the formulas of these programmes depend on each other in a cycle: {path}",
                where.file,
                where.line,
            )
        ]
    return []


def _check_overlaps(standards: Standards) -> list[PolicyProblem]:
    problems: list[PolicyProblem] = []
    lo, hi = dt.date.min, dt.date.max
    for code, programme in standards.programmes.items():
        by_region: dict[str, list[StandardValue]] = {}
        for value in programme.values:
            by_region.setdefault(value.region, []).append(value)
        for region, values in by_region.items():
            ordered = sorted(values, key=lambda v: v.valid_from or lo)
            for before, after in zip(ordered, ordered[1:], strict=False):
                if (after.valid_from or lo) <= (before.valid_to or hi):
                    where = f"地区 {region}" if region else "全国"
                    where_en = f"region {region}" if region else "everywhere"
                    problems.append(
                        PolicyProblem(
                            "overlap",
                            f"救助项目“{code}”在{where}有两个时间重叠的标准"
                            f"（另一个在 {before.file}:{before.line}）",
                            f"the programme '{code}' has two standards for {where_en} whose "
                            f"periods overlap (the other at {before.file}:{before.line})",
                            after.file,
                            after.line,
                        )
                    )
    return problems


def _check_raise_only(standards: Standards) -> list[PolicyProblem]:
    """A city or county may raise a standard, never lower it below the province's.

    Checked in every month in which anything changes (a standard or a parameter starts
    or ends), over the value's own period: between changes nothing can differ.
    """
    problems: list[PolicyProblem] = []
    changes = _change_months(standards)
    for code, programme in standards.programmes.items():
        for value in programme.values:
            if len(value.region) <= PROVINCE_LENGTH:
                continue
            months = {m for m in changes if value.covers(m)}
            if value.valid_from is not None:
                months.add(_month_on_or_after(value.valid_from))
            for month in sorted(months):
                if not value.covers(month):
                    continue
                try:
                    own = standards._standard(code, value.region, month, below=None).amount
                    parent = standards._standard(
                        code, value.region, month, below=len(value.region)
                    ).amount
                except NoStandard:  # nothing above it that month: nothing to lower
                    continue
                if own is not None and parent is not None and own < parent:
                    problems.append(
                        PolicyProblem(
                            "lowered",
                            f"市、县只能提高标准，不能降低：救助项目“{code}”在地区 "
                            f"{value.region} {month:%Y-%m} 为 {own} 元，低于上级的 {parent} 元",
                            f"a city or county may raise a standard, not lower it: '{code}' in "
                            f"region {value.region} is {own} yuan in {month:%Y-%m}, below "
                            f"the {parent} yuan above it",
                            value.file,
                            value.line,
                        )
                    )
                    break
    return problems


def _change_months(standards: Standards) -> set[dt.date]:
    dates: set[dt.date] = set()
    for programme in standards.programmes.values():
        for value in programme.values:
            dates.update(_edges(value.valid_from, value.valid_to))
    for parameter in standards.parameters.values():
        for p in parameter.values:
            dates.update(_edges(p.valid_from, p.valid_to))
    dates.update(_edges(standards.files[0].effective_from, None))
    return {_month_on_or_after(d) for d in dates}


def _edges(start: dt.date | None, end: dt.date | None) -> list[dt.date]:
    found = [start] if start else []
    if end is not None and end < dt.date.max:
        found.append(end + dt.timedelta(days=1))
    return found


def _month_on_or_after(day: dt.date) -> dt.date:
    """The first month whose first day is `day` or later: the month a change takes effect."""
    if day.day == 1:
        return day
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
