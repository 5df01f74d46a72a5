"""Name resolution and static types of policy expressions.

A name is looked up in this order: the variables in scope (a comprehension's or a
predicate's arguments), `as_of`, `params`, the fields of the facts root (with the derived
`father` and `mother`), then the predicates that take no argument. Every problem is
collected (a sub-expression in error takes the type `dyn`, so one mistake is reported
once), each with its position and a message in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hehu.policy.engine import ast
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.types import (
    BOOL,
    DATE,
    DOUBLE,
    DYN,
    INT,
    NULL,
    ROOT_STRUCT,
    STRING,
    STRUCTS,
    Type,
    list_of,
    struct,
)

Signature = tuple[tuple[str, Type], ...]

# Builtin helpers (docs/policy-language.md, "Helpers") with their argument and result types.
BUILTINS: dict[str, tuple[tuple[Type, ...], Type]] = {
    "age_on": ((DATE, DATE), INT),
    "add_months": ((DATE, INT), DATE),
    "months_elapsed": ((DATE, DATE), INT),
    "in_force": ((struct("Condition"), DATE), BOOL),
    "date": ((STRING,), DATE),
    "size": ((list_of(DYN),), INT),
}
METHODS: frozenset[str] = frozenset({"size", "startsWith"})
RESERVED: frozenset[str] = frozenset({"as_of", "params", "has", *BUILTINS})
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")

_ZH_KINDS = {
    "bool": "真/假值",
    "int": "整数",
    "double": "数值",
    "string": "文本",
    "date": "日期",
    "null": "空值",
    "list": "列表",
    "struct": "记录",
    "dyn": "任意值",
}


def type_zh(t: Type) -> str:
    """A type in Chinese words, for messages."""
    if t.kind == "list" and t.elem is not None:
        return f"{type_zh(t.elem)}列表"
    if t.kind == "struct":
        return f"{_ZH_KINDS['struct']} {t.struct}"
    return _ZH_KINDS[t.kind]


def suggestion(name: str, candidates: Iterable[str]) -> tuple[str, str]:
    """A "did you mean" phrase in Chinese and English, or two empty strings."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    if not close:
        return "", ""
    return f"，是否应为“{close[0]}”？", f"; did you mean '{close[0]}'?"


@dataclass(frozen=True)
class Env:
    """What a condition may name: parameters, predicates and the variables in scope."""

    parameters: Mapping[str, Type]
    predicates: Mapping[str, Signature]
    variables: Mapping[str, Type] = field(default_factory=dict)

    def with_variable(self, name: str, t: Type) -> Env:
        return Env(self.parameters, self.predicates, {**self.variables, name: t})


@dataclass
class Checked:
    """The outcome of checking one expression."""

    type: Type
    problems: list[PolicyProblem]
    predicates_used: set[str]  # predicates the expression calls (for cycle detection)


def check(
    expr: ast.Expr,
    env: Env,
    *,
    file: str = "<policy>",
    condition_of: tuple[str, str] | None = None,
) -> Checked:
    """Type-check `expr`; with `condition_of` (zh, en naming it) it must be true or false."""
    checker = _Checker(env, file)
    result = checker.expr(expr, env)
    if condition_of is not None and not _fits(result, BOOL):
        zh, en = condition_of
        checker.problem(
            "not_boolean",
            expr,
            f"{zh}的条件必须是真或假，但它是{type_zh(result)}",
            f"the condition of {en} must be true or false, but it is {_a(result)}",
        )
    return Checked(result, checker.problems, checker.used)


def check_expression(expr: ast.Expr, env: Env, *, file: str = "<policy>") -> Type:
    """The static type of `expr`; raises `PolicyErrors` listing every problem."""
    checked = check(expr, env, file=file)
    if checked.problems:
        raise PolicyErrors(checked.problems)
    return checked.type


def _fits(actual: Type, expected: Type) -> bool:
    """Whether a value of type `actual` may stand where `expected` is wanted."""
    if actual.kind in ("dyn", "null") or expected.kind == "dyn":
        return True
    if expected.kind == "double" and actual.kind == "int":
        return True
    if actual.kind != expected.kind:
        return False
    if actual.kind == "struct":
        return actual.struct == expected.struct
    if actual.kind == "list" and actual.elem is not None and expected.elem is not None:
        return _fits(actual.elem, expected.elem)
    return True


def _comparable(a: Type, b: Type) -> bool:
    return _fits(a, b) or _fits(b, a) or (a.is_numeric and b.is_numeric)


def _join(a: Type, b: Type) -> Type | None:
    """The type of a value that is either an `a` or a `b` (None when they do not mix)."""
    if a.kind == "null" or b.kind == "dyn":
        return b
    if b.kind == "null" or a.kind == "dyn":
        return a
    if a.is_numeric and b.is_numeric:
        return INT if a.kind == b.kind == "int" else DOUBLE
    if _fits(a, b):
        return b if a.enum else a
    if _fits(b, a):
        return a if b.enum else b
    return None


class _Checker:
    def __init__(self, env: Env, file: str) -> None:
        self.root = env
        self.file = file
        self.problems: list[PolicyProblem] = []
        self.used: set[str] = set()

    def problem(self, code: str, node: ast.Expr, zh: str, en: str) -> Type:
        self.problems.append(PolicyProblem(code, zh, en, self.file, node.pos.line, node.pos.column))
        return DYN

    def expr(self, node: ast.Expr, env: Env, *, counted: bool = False) -> Type:
        """The type of `node`; `counted` is true directly under size(), where filter is allowed."""
        if isinstance(node, ast.Literal):
            return _literal_type(node.value)
        if isinstance(node, ast.ListLit):
            return self.list_lit(node, env)
        if isinstance(node, ast.Ident):
            return self.ident(node, env)
        if isinstance(node, ast.Select):
            return self.select(node, env)
        if isinstance(node, ast.Has):
            self.field_of(node, node.operand, node.field, env)
            return BOOL
        if isinstance(node, ast.Call):
            return self.call(node, env)
        if isinstance(node, ast.Unary):
            return self.unary(node, env)
        if isinstance(node, ast.Binary):
            return self.binary(node, env)
        if isinstance(node, ast.And | ast.Or):
            word = "&&" if isinstance(node, ast.And) else "||"
            for operand in node.operands:
                self.want_bool(operand, env, f"“{word}”的每一项", f"each side of '{word}'")
            return BOOL
        if isinstance(node, ast.Conditional):
            return self.conditional(node, env)
        if isinstance(node, ast.Comprehension):
            return self.comprehension(node, env, counted=counted)
        return self.problem("syntax", node, "无法识别的表达式", "an expression Hehu cannot read")

    def want_bool(self, node: ast.Expr, env: Env, zh: str, en: str) -> None:
        t = self.expr(node, env)
        if not _fits(t, BOOL):
            self.problem(
                "type",
                node,
                f"{zh}必须是真或假，这里却是{type_zh(t)}",
                f"{en} must be true or false, but here it is {_a(t)}",
            )

    # -- names ----------------------------------------------------------------------
    def ident(self, node: ast.Ident, env: Env) -> Type:
        name = node.name
        if name in env.variables:
            return env.variables[name]
        if name == "as_of":
            return DATE
        if name == "params":
            return self.problem(
                "unknown_name",
                node,
                "“params”后面要写参数名，例如 params.adult_age",
                "'params' needs a parameter's name after it, e.g. params.adult_age",
            )
        root = STRUCTS[ROOT_STRUCT]
        if name in root:
            return root[name]
        if name in env.predicates:
            signature = env.predicates[name]
            self.used.add(name)
            if signature:
                return self.problem(
                    "arity",
                    node,
                    f"条件“{name}”需要 {len(signature)} 个参数，例如 {name}(father)",
                    f"the predicate '{name}' takes {len(signature)} argument(s), "
                    f"e.g. {name}(father)",
                )
            return BOOL
        candidates = [*env.variables, "as_of", *root, *env.predicates]
        zh_hint, en_hint = suggestion(name, candidates)
        return self.problem(
            "unknown_name",
            node,
            f"未知的名称“{name}”：既不是事实，也不是已定义的条件{zh_hint}",
            f"unknown name '{name}': it is neither a fact nor a defined predicate{en_hint}",
        )

    def select(self, node: ast.Select, env: Env) -> Type:
        operand = node.operand
        if (
            isinstance(operand, ast.Ident)
            and operand.name == "params"
            and "params" not in env.variables
        ):
            return self.parameter(node, env)
        return self.field_of(node, operand, node.field, env)

    def parameter(self, node: ast.Select, env: Env) -> Type:
        if node.field in env.parameters:
            return env.parameters[node.field]
        zh_hint, en_hint = suggestion(node.field, env.parameters)
        return self.problem(
            "unknown_name",
            node,
            f"未知的参数“params.{node.field}”{zh_hint}",
            f"unknown parameter 'params.{node.field}'{en_hint}",
        )

    def field_of(self, node: ast.Expr, operand: ast.Expr, name: str, env: Env) -> Type:
        owner = self.expr(operand, env)
        if owner.kind == "dyn":
            return DYN
        if owner.kind != "struct" or owner.struct is None:
            return self.problem(
                "type",
                node,
                f"{type_zh(owner)}没有字段“{name}”",
                f"{_a(owner)} has no field '{name}'",
            )
        fields = STRUCTS[owner.struct]
        if name in fields:
            return fields[name]
        zh_hint, en_hint = suggestion(name, fields)
        return self.problem(
            "unknown_field",
            node,
            f"{owner.struct} 没有字段“{name}”{zh_hint}",
            f"{owner.struct} has no field '{name}'{en_hint}",
        )

    # -- calls ----------------------------------------------------------------------
    def call(self, node: ast.Call, env: Env) -> Type:
        if node.target is not None:
            return self.method(node, node.target, env)
        name = node.function
        if name == "date":
            return self.date_literal(node, env)
        if name in BUILTINS:
            params, result = BUILTINS[name]
            self.arguments(node, name, params, env)
            return result
        if name in env.predicates and name not in env.variables:
            self.used.add(name)
            self.arguments(node, name, tuple(t for _, t in env.predicates[name]), env)
            return BOOL
        zh_hint, en_hint = suggestion(name, [*BUILTINS, *env.predicates])
        for arg in node.args:
            self.expr(arg, env)
        return self.problem(
            "unknown_function",
            node,
            f"未知的函数或条件“{name}”{zh_hint}",
            f"unknown function or predicate '{name}'{en_hint}",
        )

    def arguments(self, node: ast.Call, name: str, expected: tuple[Type, ...], env: Env) -> None:
        if len(node.args) != len(expected):
            for arg in node.args:
                self.expr(arg, env)
            self.problem(
                "arity",
                node,
                f"“{name}”需要 {len(expected)} 个参数，这里给了 {len(node.args)} 个",
                f"'{name}' takes {len(expected)} argument(s), but {len(node.args)} "
                f"{'was' if len(node.args) == 1 else 'were'} given",
            )
            return
        for index, (arg, want) in enumerate(zip(node.args, expected, strict=True), start=1):
            got = self.expr(arg, env, counted=name == "size")
            if not _fits(got, want):
                self.problem(
                    "type",
                    arg,
                    f"“{name}”的第 {index} 个参数应是{type_zh(want)}，这里却是{type_zh(got)}",
                    f"argument {index} of '{name}' must be a {_plain(want)}, "
                    f"but here it is {_a(got)}",
                )

    def method(self, node: ast.Call, target: ast.Expr, env: Env) -> Type:
        name = node.function
        if name == "size":
            got = self.expr(target, env, counted=True)
            if node.args:
                self.problem(
                    "arity",
                    node,
                    "“.size()”不带参数",
                    "'.size()' takes no argument",
                )
            if got.kind not in ("list", "dyn", "null"):
                self.problem(
                    "type",
                    target,
                    f"只有列表才能计数（.size()），这里是{type_zh(got)}",
                    f"only a list can be counted with .size(), but here it is {_a(got)}",
                )
            return INT
        if name == "startsWith":
            self.arguments(node, name, (STRING,), env)
            got = self.expr(target, env)
            if not _fits(got, STRING):
                self.problem(
                    "type",
                    target,
                    f"只有文本才有 .startsWith()，这里是{type_zh(got)}",
                    f"only a string has .startsWith(), but here it is {_a(got)}",
                )
            return BOOL
        self.expr(target, env)
        zh_hint, en_hint = suggestion(name, METHODS)
        return self.problem(
            "unknown_function",
            node,
            f"未知的函数“.{name}()”{zh_hint}",
            f"unknown function '.{name}()'{en_hint}",
        )

    def date_literal(self, node: ast.Call, env: Env) -> Type:
        if len(node.args) != 1:
            self.arguments(node, "date", (STRING,), env)
            return DATE
        arg = node.args[0]
        text = arg.value if isinstance(arg, ast.Literal) else None
        if not isinstance(text, str):
            self.expr(arg, env)
            self.problem(
                "type",
                arg,
                'date() 只接受写明的日期，例如 date("2025-01-10")',
                'date() takes a written date, e.g. date("2025-01-10")',
            )
            return DATE
        if _as_date(text) is None:
            self.problem(
                "type",
                arg,
                f"“{text}”不是有效日期（格式为 YYYY-MM-DD）",
                f"'{text}' is not a real date (write YYYY-MM-DD)",
            )
        return DATE

    # -- operators ------------------------------------------------------------------
    def unary(self, node: ast.Unary, env: Env) -> Type:
        if node.op == "!":
            self.want_bool(node.operand, env, "“!”后面", "what follows '!'")
            return BOOL
        t = self.expr(node.operand, env)
        if not (t.is_numeric or t.kind in ("dyn", "null")):
            return self.problem(
                "type",
                node,
                f"负号只能用于数值，这里是{type_zh(t)}",
                f"'-' applies to numbers only, but here it is {_a(t)}",
            )
        return t

    def binary(self, node: ast.Binary, env: Env) -> Type:
        left = self.expr(node.left, env)
        right = self.expr(node.right, env)
        if node.op == "in":
            return self.membership(node, left, right)
        if node.op in ("==", "!="):
            if not _comparable(left, right):
                return self.mismatch(node, left, right)
            self.enum_literal(node.left, left, node.right)
            self.enum_literal(node.right, right, node.left)
            return BOOL
        if node.op in ("<", "<=", ">", ">="):
            ordered = all(
                t.kind in ("int", "double", "string", "date", "null", "dyn") for t in (left, right)
            )
            if not (ordered and _comparable(left, right)):
                return self.mismatch(node, left, right)
            return BOOL
        return self.arithmetic(node, left, right)

    def mismatch(self, node: ast.Binary, left: Type, right: Type) -> Type:
        return self.problem(
            "type",
            node,
            f"不能用“{node.op}”比较{type_zh(left)}和{type_zh(right)}",
            f"cannot compare {_a(left)} with {_a(right)} using '{node.op}'",
        )

    def arithmetic(self, node: ast.Binary, left: Type, right: Type) -> Type:
        if all(t.is_numeric or t.kind in ("null", "dyn") for t in (left, right)):
            if "dyn" in (left.kind, right.kind):
                return DYN
            # CEL: int / int is an int, truncated toward zero (7 / 2 == 3, -7 / 2 == -3).
            if DOUBLE in (left, right):
                return DOUBLE
            return INT
        return self.problem(
            "type",
            node,
            f"“{node.op}”只能用于数值，这里是{type_zh(left)}和{type_zh(right)}",
            f"'{node.op}' applies to numbers only, but here it is {_a(left)} and {_a(right)}",
        )

    def membership(self, node: ast.Binary, left: Type, right: Type) -> Type:
        if right.kind == "dyn":
            return BOOL
        if right.kind != "list" or right.elem is None:
            return self.problem(
                "type",
                node.right,
                f"“in”的右边必须是列表，这里是{type_zh(right)}",
                f"the right side of 'in' must be a list, but here it is {_a(right)}",
            )
        if not _comparable(left, right.elem):
            return self.problem(
                "type",
                node,
                f"{type_zh(left)}不可能出现在{type_zh(right)}中",
                f"{_a(left)} can never be in {_a(right)}",
            )
        if isinstance(node.right, ast.ListLit):
            for item in node.right.items:
                self.enum_literal(node.left, left, item)
        return BOOL

    def enum_literal(self, subject: ast.Expr, t: Type, other: ast.Expr) -> None:
        """A string literal compared with an enum-typed fact must be one of its values."""
        if t.enum is None or not isinstance(other, ast.Literal):
            return
        value = other.value
        if not isinstance(value, str) or value in t.enum:
            return
        allowed = ", ".join(t.enum)
        name = _describe(subject)
        zh_hint, en_hint = suggestion(value, t.enum)
        self.problem(
            "enum_value",
            other,
            f"“{name}”不可能是“{value}”{zh_hint}（可取的值：{allowed}）",
            f"'{name}' can never be '{value}'{en_hint} (allowed values: {allowed})",
        )

    def conditional(self, node: ast.Conditional, env: Env) -> Type:
        self.want_bool(node.condition, env, "“?”前的条件", "the condition before '?'")
        then = self.expr(node.then, env)
        otherwise = self.expr(node.otherwise, env)
        joined = _join(then, otherwise)
        if joined is None:
            return self.problem(
                "type",
                node,
                f"“? :”两个分支的类型不同：{type_zh(then)}和{type_zh(otherwise)}",
                f"the two branches of '? :' differ: {_a(then)} and {_a(otherwise)}",
            )
        return joined

    def comprehension(self, node: ast.Comprehension, env: Env, *, counted: bool) -> Type:
        over = self.expr(node.range, env)
        if over.kind == "list" and over.elem is not None:
            elem = over.elem
        elif over.kind in ("dyn", "null"):
            elem = DYN
        else:
            self.problem(
                "type",
                node.range,
                f".{node.kind}() 只能用于列表，这里是{type_zh(over)}",
                f".{node.kind}() applies to a list, but here it is {_a(over)}",
            )
            elem = DYN
        inner = env.with_variable(node.var, elem)
        self.want_bool(
            node.body, inner, f".{node.kind}() 的条件", f"the condition of .{node.kind}()"
        )
        if node.kind != "filter":
            return BOOL
        if not counted:
            self.problem(
                "filter_without_size",
                node,
                ".filter() 只能用来计数，请写成 xs.filter(x, …).size()",
                "a .filter() can only be counted: write xs.filter(x, …).size()",
            )
        return list_of(elem)

    def list_lit(self, node: ast.ListLit, env: Env) -> Type:
        elem: Type | None = None
        for item in node.items:
            t = self.expr(item, env)
            joined = t if elem is None else _join(elem, t)
            if joined is None:
                self.problem(
                    "type",
                    item,
                    f"列表中的值类型不一致：{type_zh(elem or DYN)}和{type_zh(t)}",
                    f"a list mixes {_a(elem)} with {_a(t)}",
                )
                return list_of(DYN)
            elem = joined
        return list_of(elem or DYN)


def _literal_type(value: object) -> Type:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return DOUBLE
    return STRING


def _as_date(text: str) -> dt.date | None:
    if not _DATE_TEXT.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _a(t: Type | None) -> str:
    """A type with its English article: "an int", "a date"."""
    text = str(t)
    return f"an {text}" if text[:1] in "aeiou" else f"a {text}"


def _plain(t: Type) -> str:
    return "list" if t.kind == "list" and t.elem == DYN else str(t)


def _describe(node: ast.Expr) -> str:
    """The source-like text of a name or field path, for messages."""
    if isinstance(node, ast.Ident):
        return node.name
    if isinstance(node, ast.Select):
        return f"{_describe(node.operand)}.{node.field}"
    return "this value"
