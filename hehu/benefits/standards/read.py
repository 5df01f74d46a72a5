"""Reading one benefit file (policies/benefits/*.yaml) with the policy engine's reader.

Every problem carries file:line:column, in Chinese and English. A national file declares
the programmes (label, kind, categories, stacking) and their placeholder standards; a
province file (`jurisdiction: "51"`) only adds standards, scoped within the province, for
programmes the national file declares. Parameters are read exactly as in a policy file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yaml.nodes import Node, ScalarNode

from hehu.benefits.standards.model import (
    KINDS,
    RULES,
    Formula,
    Programme,
    Stacking,
    StandardValue,
)
from hehu.policy.engine import ast
from hehu.policy.engine.check import suggestion
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load.parameters import NATIONAL, ParameterReader
from hehu.policy.engine.model import Parameter, Text

_REGION_LENGTHS = (2, 4, 6, 9, 12)
_TOP_REQUIRED = ("hehu_benefits", "id", "version", "jurisdiction", "effective_from")
_TOP_OPTIONAL = ("effective_to", "title", "parameters", "programmes")
_DECLARATION = ("label", "kind", "categories", "stacking", "values")
_ARITHMETIC = ("+", "-", "*", "/")
_FUNCTIONS = ("max", "min")


@dataclass(frozen=True)
class BenefitFile:
    id: str
    version: str
    jurisdiction: str
    effective_from: dt.date
    effective_to: dt.date | None
    title: Text
    parameters: dict[str, Parameter]
    programmes: dict[str, Programme]
    # For a province file: the standards it adds, by programme, with the key's line.
    additions: dict[str, tuple[tuple[StandardValue, ...], int]]
    file: str


class BenefitReader(ParameterReader):
    """A benefit file's reader; `categories` (when given) are the codes a programme may name."""

    province: str | None = None

    def __init__(self, text: str, file: str, categories: frozenset[str] | None = None) -> None:
        super().__init__(text, file)
        self.categories = categories

    def parameter_periods(
        self,
        name: str,
        values: list[tuple[Any, Node]],
        header: dict[str, Any],
        key_node: Node,
    ) -> None:
        """Overlaps are refused everywhere; only the national file must cover every day."""
        before = len(self.problems)
        super().parameter_periods(name, values, header, key_node)
        if self.province is not None:
            self.problems[before:] = [p for p in self.problems[before:] if p.code != "uncovered"]

    def read(self) -> BenefitFile | None:
        root = self.compose_root()
        if root is None:
            return None
        what = ("救助标准文件", "the benefit file")
        top = self.mapping(root, what, _TOP_REQUIRED, _TOP_OPTIONAL)
        if any(key not in top for key in _TOP_REQUIRED):
            return None
        header = self.header(top)
        self.province = None if header["jurisdiction"] == NATIONAL else header["jurisdiction"]
        parameters: dict[str, Parameter] = {}
        if "parameters" in top:
            parameters = self.parameters(top["parameters"][1], header, province=self.province)
            if self.province is not None:
                parameters = {n: _in_province(p, self.province) for n, p in parameters.items()}
        programmes: dict[str, Programme] = {}
        additions: dict[str, tuple[tuple[StandardValue, ...], int]] = {}
        if "programmes" in top:
            entries = self.named_entries(top["programmes"][1], ("救助项目", "programmes"))
            for code, key_node, node in entries:
                line = key_node.start_mark.line + 1
                if self.province is None:
                    programme = self.programme(code, node, line)
                    if programme is not None:
                        programmes[code] = programme
                else:
                    what = (f"救助项目“{code}”", f"the programme '{code}'")
                    found = self.mapping(node, what, ("values",))
                    if "values" in found:
                        additions[code] = (self.standards(code, found["values"][1]), line)
        return BenefitFile(
            id=header["id"],
            version=header["version"],
            jurisdiction=header["jurisdiction"],
            effective_from=header["effective_from"],
            effective_to=header["effective_to"],
            title=header["title"],
            parameters=parameters,
            programmes=programmes,
            additions=additions,
            file=self.file,
        )

    def header(self, top: dict[str, tuple[Node, Node]]) -> dict[str, Any]:
        return self.data_file_header(top, "hehu_benefits")

    # -- programmes -----------------------------------------------------------------
    def programme(self, code: str, node: Node, line: int) -> Programme | None:
        what = (f"救助项目“{code}”", f"the programme '{code}'")
        entries = self.mapping(node, what, _DECLARATION)
        if len(entries) < len(_DECLARATION):
            return None
        label = self.text(entries["label"][1], what)
        kind = self.scalar_text(entries["kind"][1], what) or ""
        if kind not in KINDS:
            self.problem(
                "kind",
                entries["kind"][1],
                f"{what[0]}的种类“{kind}”未知（可用：{', '.join(KINDS)}）",
                f"{what[1]} has an unknown kind '{kind}' (use one of: {', '.join(KINDS)})",
            )
        categories = self.category_codes(code, entries["categories"][1])
        return Programme(
            code=code,
            label=label,
            kind=kind,
            categories=categories,
            stacking=self.stacking(code, entries["stacking"][1]),
            values=self.standards(code, entries["values"][1]),
            file=self.file,
            line=line,
        )

    def category_codes(self, code: str, node: Node) -> tuple[str, ...]:
        what = (f"救助项目“{code}”的对象类别", f"the categories of '{code}'")
        found: list[str] = []
        for item in self.sequence(node, what):
            category = self.string(item, what)
            if category is None:
                continue
            if self.categories is not None and category not in self.categories:
                zh_hint, en_hint = suggestion(category, tuple(sorted(self.categories)))
                self.problem(
                    "unknown_category",
                    item,
                    f"救助项目“{code}”的对象类别“{category}”在全国政策中不存在{zh_hint}",
                    f"the programme '{code}' names a category '{category}' the national "
                    f"policy does not define{en_hint}",
                )
                continue
            found.append(category)
        return tuple(found)

    def stacking(self, code: str, node: Node) -> Stacking:
        what = (f"救助项目“{code}”的叠加规则", f"the stacking rule of '{code}'")
        entries = self.mapping(node, what, ("rule",), ("exclusive_with",))
        rule = self.scalar_text(entries["rule"][1], what) if "rule" in entries else None
        if "rule" in entries and rule not in RULES:
            self.problem(
                "stacking",
                entries["rule"][1],
                f"{what[0]}“{rule}”未知（可用：{', '.join(RULES)}）",
                f"{what[1]} '{rule}' is unknown (use one of: {', '.join(RULES)})",
            )
        exclusive: tuple[str, ...] = ()
        if "exclusive_with" in entries:
            exclusive = self.codes(entries["exclusive_with"][1], what, ("programme", code, "excl"))
        return Stacking(rule or "independent", exclusive)

    def standards(self, code: str, node: Node) -> tuple[StandardValue, ...]:
        what = (f"救助项目“{code}”的标准", f"the standards of '{code}'")
        found: list[StandardValue] = []
        for item in self.sequence(node, what):
            entries = self.mapping(item, what, (), ("amount", "formula", "region", "from", "to"))
            if ("amount" in entries) == ("formula" in entries):
                self.problem(
                    "standard",
                    item,
                    f"{what[0]}每项应写 amount（金额，null 为按个案确定）或 formula（公式）之一",
                    f"each of {what[1]} needs exactly one of amount (null: decided per case) "
                    "or formula",
                )
                continue
            amount, formula = None, None
            if "amount" in entries:
                ok, amount = self.amount(code, entries["amount"][1])
                if not ok:
                    continue
            else:
                formula = self.formula(code, entries["formula"][1])
                if formula is None:
                    continue
            region = self.province or ""
            if "region" in entries:
                scoped = self.standard_region(code, entries["region"][1])
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
                    f"{what[0]}的结束日期早于开始日期",
                    f"a standard of '{code}' ends before it starts",
                )
                continue
            line = item.start_mark.line + 1
            found.append(StandardValue(amount, formula, region, start, end, self.file, line))
        return tuple(found)

    def standard_region(self, code: str, node: Node) -> str | None:
        region = self.scalar_text(node, (f"救助项目“{code}”的地区", f"the region of '{code}'"))
        if region is None:
            return None
        if not (region.isdigit() and len(region) in _REGION_LENGTHS):
            self.problem(
                "region",
                node,
                f"救助项目“{code}”的地区“{region}”应是 2、4、6、9 或 12 位数字的区划代码",
                f"the region '{region}' of '{code}' must be a code of 2, 4, 6, 9 or 12 digits",
            )
            return None
        if self.province is not None and not region.startswith(self.province):
            self.problem(
                "region",
                node,
                f"救助项目“{code}”的地区“{region}”不在本省（{self.province}）范围内",
                f"the region '{region}' of '{code}' lies outside province {self.province}",
            )
            return None
        return region

    def amount(self, code: str, node: Node) -> tuple[bool, Decimal | None]:
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return True, None
        value = self.value(node)
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.problem(
                "type",
                node,
                f"救助项目“{code}”的金额应是数字（元）或 null，不是“{node.value}”",
                f"an amount of '{code}' must be a number (yuan) or null, not '{node.value}'",
            )
            return False, None
        amount = Decimal(str(value))
        if amount < 0:
            self.problem(
                "negative",
                node,
                f"救助项目“{code}”的金额不能为负数（{amount}）",
                f"an amount of '{code}' cannot be negative ({amount})",
            )
            return False, None
        return True, amount

    def formula(self, code: str, node: Node) -> Formula | None:
        what = (f"救助项目“{code}”的公式", f"the formula of '{code}'")
        parsed = self.expression(node, what)
        if parsed is None:
            return None
        expr, source = parsed
        programmes: list[str] = []
        parameters: list[str] = []
        if not self.formula_form(expr, what, programmes, parameters):
            return None
        return Formula(source, expr, tuple(programmes), tuple(parameters))

    def formula_form(
        self, node: ast.Expr, what: tuple[str, str], programmes: list[str], parameters: list[str]
    ) -> bool:
        """Only arithmetic: numbers, programme codes, `params.x`, + - * /, max() and min()."""
        if isinstance(node, ast.Literal) and isinstance(node.value, int | float):
            return not isinstance(node.value, bool) or self._form_problem(node, what)
        if isinstance(node, ast.Ident):
            programmes.append(node.name)
            return True
        if (
            isinstance(node, ast.Select)
            and isinstance(node.operand, ast.Ident)
            and node.operand.name == "params"
        ):
            parameters.append(node.field)
            return True
        if isinstance(node, ast.Unary) and node.op == "-":
            return self.formula_form(node.operand, what, programmes, parameters)
        if isinstance(node, ast.Binary) and node.op in _ARITHMETIC:
            left = self.formula_form(node.left, what, programmes, parameters)
            right = self.formula_form(node.right, what, programmes, parameters)
            return left and right
        if (
            isinstance(node, ast.Call)
            and node.target is None
            and node.function in _FUNCTIONS
            and node.args
        ):
            return all([self.formula_form(a, what, programmes, parameters) for a in node.args])
        return self._form_problem(node, what)

    def _form_problem(self, node: ast.Expr, what: tuple[str, str]) -> bool:
        self.problems.append(
            PolicyProblem(
                "formula",
                f"{what[0]}只能使用数字、救助项目代码、params.参数名、+ - * / 以及 max()、min()",
                f"{what[1]} may use only numbers, programme codes, params.<name>, + - * / "
                "and max(), min()",
                self.file,
                node.pos.line,
                node.pos.column,
            )
        )
        return False


def _in_province(parameter: Parameter, province: str) -> Parameter:
    """A province file's unscoped parameter values apply to the province, not everywhere."""
    values = tuple(
        v if v.region else dataclasses.replace(v, region=province) for v in parameter.values
    )
    return dataclasses.replace(parameter, values=values)


def read_benefit_text(
    text: str, file: str = "<benefits>", categories: frozenset[str] | None = None
) -> BenefitFile:
    """One file, checked on its own; PolicyErrors lists every problem."""
    reader = BenefitReader(text, file, categories)
    result = reader.read()
    if reader.problems or result is None:
        raise PolicyErrors(sorted(reader.problems, key=lambda p: (p.line or 0, p.column or 0)))
    return result
