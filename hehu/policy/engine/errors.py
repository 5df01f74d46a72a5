"""Errors of the policy engine: where in which file, and what is wrong, in plain words.

A policy is loaded whole or not at all: the loader collects every problem it finds into
one `PolicyErrors` and raises it, so that a policy officer fixes them in one pass.
Messages are in Chinese and English (`message_zh`, `message_en`); `str()` gives both.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PolicyProblem:
    code: str  # stable, machine-readable: "syntax", "unknown_fact", "type", "cycle", …
    message_zh: str
    message_en: str
    file: str = "<policy>"
    line: int | None = None
    column: int | None = None

    def where(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": {"zh-hans": self.message_zh, "en": self.message_en},
        }


class PolicyError(Exception):
    """Base class of the engine's errors."""


@dataclass
class PolicyErrors(PolicyError):
    """A policy was rejected; `problems` lists every reason, in file order."""

    problems: list[PolicyProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ExpressionSyntaxError(PolicyError):
    """CEL text that does not parse; `line`/`column` are within the expression text."""

    def __init__(self, message_en: str, message_zh: str, line: int, column: int) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh
        self.line = line
        self.column = column


class FactsError(PolicyError):
    """A facts document the engine cannot evaluate (for a single child: reported per line)."""

    def __init__(self, problems: list[dict[str, object]]) -> None:
        super().__init__("; ".join(str(p.get("message")) for p in problems))
        self.problems = problems
