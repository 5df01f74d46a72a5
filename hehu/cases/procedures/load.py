"""Reading procedure files (policies/procedures/*.yaml): typed parameters by region and date.

The same `parameters` section as a policy file, read by the policy engine's reader (every
problem with file:line:column, in Chinese and English). A national file declares every
parameter with values covering its whole period; a province file (`jurisdiction: "51"`)
may only add values, scoped within its province, for parameters the national file declares.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import Node

from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load.parameters import NATIONAL, ParameterReader
from hehu.policy.engine.model import Parameter, ParameterValue, Text

_TOP_REQUIRED = ("hehu_procedures", "id", "version", "jurisdiction", "effective_from")
_TOP_OPTIONAL = ("effective_to", "title", "parameters")


@dataclass(frozen=True)
class ProcedureFile:
    id: str
    version: str
    jurisdiction: str
    effective_from: dt.date
    effective_to: dt.date | None
    title: Text
    parameters: dict[str, Parameter]
    file: str


@dataclass
class Procedures:
    """All procedure parameters in force: national values plus provincial ones."""

    parameters: dict[str, Parameter] = field(default_factory=dict)
    files: list[ProcedureFile] = field(default_factory=list)

    def value(self, name: str, region_code: str | None, on: dt.date) -> Any:
        """The value for a region on a date; KeyError for a parameter nobody declared."""
        parameter = self.parameters[name]
        value = parameter.value_for(region_code, on)
        if value is None:
            raise LookupError(f"procedure parameter {name!r} has no value for {on.isoformat()}")
        return value

    def label(self, name: str) -> Text:
        return self.parameters[name].label


class _Reader(ParameterReader):
    province: str | None = None

    def parameter_periods(
        self,
        name: str,
        values: list[tuple[ParameterValue, Node]],
        header: dict[str, Any],
        key_node: Node,
    ) -> None:
        """Overlaps are refused everywhere; only the national file must cover every day
        (a province's values are scoped additions; the national ones fill the rest)."""
        before = len(self.problems)
        super().parameter_periods(name, values, header, key_node)
        if self.province is not None:
            self.problems[before:] = [p for p in self.problems[before:] if p.code != "uncovered"]

    def read(self) -> ProcedureFile | None:
        root = self.compose_root()
        if root is None:
            return None
        top = self.mapping(root, ("程序文件", "the procedure file"), _TOP_REQUIRED, _TOP_OPTIONAL)
        if any(key not in top for key in _TOP_REQUIRED):
            return None
        header = self.header(top)
        province = None if header["jurisdiction"] == NATIONAL else header["jurisdiction"]
        parameters: dict[str, Parameter] = {}
        if "parameters" in top:
            self.province = province
            parameters = self.parameters(top["parameters"][1], header, province=province)
        return ProcedureFile(
            id=header["id"],
            version=header["version"],
            jurisdiction=header["jurisdiction"],
            effective_from=header["effective_from"],
            effective_to=header["effective_to"],
            title=header["title"],
            parameters=parameters,
            file=self.file,
        )

    def header(self, top: dict[str, tuple[Node, Node]]) -> dict[str, Any]:
        return self.data_file_header(top, "hehu_procedures")


def read_procedure_text(text: str, file: str = "<procedures>") -> ProcedureFile:
    """One file, checked on its own; PolicyErrors lists every problem."""
    reader = _Reader(text, file)
    result = reader.read()
    if reader.problems or result is None:
        raise PolicyErrors(reader.problems)
    return result


def load_procedures(directory: Path) -> Procedures:
    """Every *.yaml in `directory`: exactly one national file, any number of provinces."""
    problems: list[PolicyProblem] = []
    files: list[ProcedureFile] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            files.append(read_procedure_text(path.read_text(encoding="utf-8"), str(path)))
        except PolicyErrors as exc:
            problems.extend(exc.problems)
    national = [f for f in files if f.jurisdiction == NATIONAL]
    if not problems and len(national) != 1:
        problems.append(
            PolicyProblem(
                "national",
                f"{directory} 中应有且只有一个全国程序文件，现有 {len(national)} 个",
                f"{directory} must hold exactly one national procedure file, not {len(national)}",
                str(directory),
            )
        )
    if problems:
        raise PolicyErrors(problems)
    merged = dict(national[0].parameters)
    for province in (f for f in files if f.jurisdiction != NATIONAL):
        for name, parameter in province.parameters.items():
            if name not in merged:
                problems.append(
                    PolicyProblem(
                        "unknown_parameter",
                        f"全国程序文件没有声明参数“{name}”",
                        f"the national procedure file declares no parameter '{name}'",
                        province.file,
                        parameter.line,
                    )
                )
                continue
            base = merged[name]
            if base.type != parameter.type:
                problems.append(
                    PolicyProblem(
                        "type",
                        f"参数“{name}”的类型应与全国文件一致（{base.type}）",
                        f"the parameter '{name}' must keep the national type ({base.type})",
                        province.file,
                        parameter.line,
                    )
                )
                continue
            merged[name] = Parameter(
                name, base.type, base.label, base.values + parameter.values, base.line
            )
    if problems:
        raise PolicyErrors(problems)
    return Procedures(merged, files)
