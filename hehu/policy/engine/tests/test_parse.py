"""CEL text → expression tree: positions in the file and syntax errors in plain words."""

from __future__ import annotations

import pytest

from hehu.policy.engine import ast
from hehu.policy.engine.errors import ExpressionSyntaxError
from hehu.policy.engine.parse import parse_expression


def syntax_error(text: str, *, line: int = 1, column: int = 1) -> ExpressionSyntaxError:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_expression(text, line=line, column=column)
    return info.value


def test_it_shifts_positions_on_the_first_line_only() -> None:
    expr = parse_expression("a &&\n  b", line=10, column=7)
    assert isinstance(expr, ast.And)
    first, second = expr.operands
    assert first.pos == ast.Pos(10, 7)
    assert second.pos == ast.Pos(11, 3)


def test_it_flattens_chains_of_and_and_keeps_macros() -> None:
    expr = parse_expression("a && b && parents.exists(p, p.migrant_worker)")
    assert isinstance(expr, ast.And)
    assert len(expr.operands) == 3
    macro = expr.operands[2]
    assert isinstance(macro, ast.Comprehension)
    assert (macro.kind, macro.var) == ("exists", "p")


def test_it_reads_negative_numbers_and_strings_as_literals() -> None:
    expr = parse_expression("x == -3 || y == 'a\\'b'")
    assert isinstance(expr, ast.Or)
    left, right = expr.operands
    assert isinstance(left, ast.Binary)
    assert isinstance(right, ast.Binary)
    assert isinstance(left.right, ast.Literal)
    assert left.right.value == -3
    assert isinstance(right.right, ast.Literal)
    assert right.right.value == "a'b"


@pytest.mark.parametrize(
    ("text", "en", "zh", "column"),
    [
        ("is_minor ||", "expected an expression after '||'", "“||”之后缺少表达式", 10),
        ("f(a && (b)", "a '(' is not closed", "“(”没有闭合", 10),
        ("f('(' && b", "a '(' is not closed", "“(”没有闭合", 10),
        ("[a, 'x\\']'", "a '[' is not closed", "“[”没有闭合", 5),
        ("a == == b", "unexpected '==' after '=='", "“==”之后不应出现“==”", 6),
        ("a b", "unexpected 'b' after 'a'", "“a”之后不应出现“b”", 3),
        ('sex == "male', "a text in quotes is not closed", "引号中的文字没有闭合", 8),
        ("a @ b", "the character '@' cannot be used here", "这里不能使用字符“@”", 3),
        ("", "the condition is empty", "条件是空的", 1),
    ],
)
def test_it_explains_syntax_errors_in_plain_words(text: str, en: str, zh: str, column: int) -> None:
    error = syntax_error(text, line=4, column=1)
    assert en in error.message_en
    assert zh in error.message_zh
    assert (error.line, error.column) == (4, column)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("{'a': 1}", "map"),
        ("parents[0]", "indexing"),
        ("parents.exists(p)", "exists()"),
        ("has(household)", "has()"),
    ],
)
def test_it_refuses_what_the_policy_language_leaves_out(text: str, what: str) -> None:
    assert what in syntax_error(text).message_en


def test_it_positions_a_conditional_whose_condition_is_a_literal():
    from hehu.policy.engine import ast as policy_ast
    from hehu.policy.engine.parse import parse_expression

    tree = parse_expression("true ? 1 == 1 : 1 == 2", line=4, column=9)

    assert isinstance(tree, policy_ast.Conditional)
    assert (tree.pos.line, tree.pos.column) == (4, 9)
    assert (tree.otherwise.pos.line, tree.otherwise.pos.column) == (4, 25)
