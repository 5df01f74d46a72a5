"""CEL text → `ast` nodes.

CEL's grammar is cel-python's (`celpy.celparser`, a Lark LALR parser of the CEL spec); this
module walks its parse tree into our own small tree, keeping positions, and refuses the
parts of CEL a policy has no use for (maps, indexing, bytes, unsigned ints, message
literals) with a message that says so. `offset` maps positions inside a YAML scalar to
positions in the policy file.
"""

from __future__ import annotations

import ast as python_ast
import re
from typing import Any, cast

from celpy.celparser import CELParseError, CELParser
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters

from hehu.policy.engine import ast
from hehu.policy.engine.errors import ExpressionSyntaxError

_PARSER: CELParser | None = None

_RELATIONS: dict[str, ast.BinaryOp] = {
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_in": "in",
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
}
_MACROS: frozenset[str] = frozenset({"exists", "all", "exists_one", "filter"})


def _parser() -> CELParser:
    global _PARSER  # noqa: PLW0603 - one parser per process: building its tables is slow
    if _PARSER is None:
        _PARSER = CELParser()
    return _PARSER


def parse_expression(text: str, *, line: int = 1, column: int = 1) -> ast.Expr:
    """Parse one CEL expression; positions are shifted so that text starts at line:column.

    Raises `ExpressionSyntaxError` with the position *in the file* (after shifting).
    """
    try:
        tree = _parser().parse(text)
    except CELParseError as exc:
        err_line = int(getattr(exc, "line", None) or 1)
        err_col = int(getattr(exc, "column", None) or 1)
        en, zh = _explain(text, exc.__context__, err_line, err_col)
        raise ExpressionSyntaxError(
            f"syntax error in condition: {en}",
            f"条件表达式语法错误：{zh}",
            *_shift(err_line, err_col, line, column),
        ) from exc
    return _Builder(line, column).expr(tree)


_TOKEN = re.compile(r"&&|\|\||==|!=|<=|>=|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S")
_PAIRS = {")": "(", "]": "["}


def _unclosed(text: str) -> str | None:
    """The innermost bracket left open in `text` (quoted text skipped), if any."""
    stack: list[str] = []
    quote = ""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quote:
            escaped = char == "\\"
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            stack.append(char)
        elif char in _PAIRS and stack and stack[-1] == _PAIRS[char]:
            stack.pop()
    return stack[-1] if stack else None


def _explain(text: str, cause: BaseException | None, line: int, col: int) -> tuple[str, str]:
    """Lark's error in plain words (en, zh), e.g. "expected an expression after '||'"."""
    if not text.strip():
        return "the condition is empty", "条件是空的"
    if isinstance(cause, UnexpectedCharacters):
        char = getattr(cause, "char", "?")
        if char in "\"'":
            return "a text in quotes is not closed", "引号中的文字没有闭合"
        return f"the character '{char}' cannot be used here", f"这里不能使用字符“{char}”"
    lines = text.splitlines() or [""]
    before = (
        "\n".join(lines[: line - 1] + [lines[line - 1][: col - 1]]) if line <= len(lines) else text
    )
    token = getattr(cause, "token", None)
    at_end = token is None or getattr(token, "type", "") == "$END"
    if at_end:
        before = text
    previous = _TOKEN.findall(before)
    last = previous[-1] if previous else ""
    opener = _unclosed(text)
    if at_end and opener is not None:
        return f"a '{opener}' is not closed", f"“{opener}”没有闭合"
    if at_end and (last[:1].isalnum() or last[:1] in "_)]\"'"):
        return f"the condition ends too early after '{last}'", f"条件在“{last}”之后意外结束"
    if at_end:
        return f"expected an expression after '{last}'", f"“{last}”之后缺少表达式"
    found = str(token)
    if not last:
        return f"unexpected '{found}' at the start", f"开头不应出现“{found}”"
    return f"unexpected '{found}' after '{last}'", f"“{last}”之后不应出现“{found}”"


def _shift(line: int, col: int, base_line: int, base_col: int) -> tuple[int, int]:
    """A position inside the expression text → a position in the file."""
    if line == 1:
        return base_line, base_col + col - 1
    return base_line + line - 1, col


class _Builder:
    def __init__(self, base_line: int, base_col: int) -> None:
        self.base_line = base_line
        self.base_col = base_col

    # -- helpers --------------------------------------------------------------------
    def pos(self, node: Tree[Any] | Token) -> ast.Pos:
        if isinstance(node, Token):
            line, col = node.line or 1, node.column or 1
        else:
            # Lark leaves a rule's meta empty in some LALR reductions (a ternary whose
            # condition is a literal): the rule starts where its first token does.
            first = next(node.scan_values(lambda v: isinstance(v, Token)), None)
            meta = node.meta
            if first is not None:
                line, col = first.line or 1, first.column or 1
            elif not meta.empty and getattr(meta, "line", None):
                line, col = meta.line, meta.column or 1
            else:
                line, col = 1, 1
        return ast.Pos(*_shift(line, col, self.base_line, self.base_col))

    def refuse(self, node: Tree[Any] | Token, what_en: str, what_zh: str) -> ExpressionSyntaxError:
        p = self.pos(node)
        return ExpressionSyntaxError(
            f"{what_en} is not part of Hehu's policy language",
            f"政策语言不支持{what_zh}",
            p.line,
            p.column,
        )

    def only(self, tree: Tree[Any]) -> Tree[Any]:
        return cast(Tree[Any], tree.children[0])

    # -- grammar rules --------------------------------------------------------------
    def expr(self, tree: Tree[Any]) -> ast.Expr:
        kids: list[Any] = [k for k in tree.children if k is not None]
        if tree.data == "expr":
            if len(kids) == 1:
                return self.expr(kids[0])
            cond, then, otherwise = kids
            return ast.Conditional(
                self.pos(tree), self.expr(cond), self.expr(then), self.expr(otherwise)
            )
        if tree.data in ("conditionalor", "conditionaland"):
            if len(kids) == 1:
                return self.expr(kids[0])
            left, right_expr = self.expr(kids[0]), self.expr(kids[1])
            cls: type[ast.And] | type[ast.Or] = ast.Or if tree.data == "conditionalor" else ast.And
            operands = (left.operands if isinstance(left, cls) else (left,)) + (right_expr,)
            return cls(left.pos, operands)
        if tree.data in ("relation", "addition", "multiplication"):
            if len(kids) == 1:
                return self.expr(kids[0])
            op_tree, right = kids
            left = self.expr(op_tree.children[0])
            return ast.Binary(left.pos, _RELATIONS[op_tree.data], left, self.expr(right))
        if tree.data == "unary":
            if len(kids) == 1:
                return self.expr(kids[0])
            op_tree, operand = kids
            op: ast.UnaryOp = "!" if op_tree.data == "unary_not" else "-"
            inner = self.expr(operand)
            value = inner.value if isinstance(inner, ast.Literal) else None
            if op == "-" and isinstance(value, int | float) and not isinstance(value, bool):
                return ast.Literal(self.pos(tree), -value)
            return ast.Unary(self.pos(tree), op, inner)
        if tree.data == "member":
            return self.member(self.only(tree))
        if tree.data == "primary":
            return self.primary(self.only(tree))
        raise self.refuse(tree, f"the construct '{tree.data}'", f"“{tree.data}”结构")

    def member(self, tree: Tree[Any]) -> ast.Expr:
        kids: list[Any] = [k for k in tree.children if k is not None]
        if tree.data == "primary":
            return self.primary(self.only(tree))
        if tree.data == "member_dot":
            operand_tree, name = kids
            return ast.Select(self.pos(name), self.member_of(operand_tree), str(name))
        if tree.data == "member_dot_arg":
            operand_tree, name = kids[0], kids[1]
            args = self.exprlist(kids[2]) if len(kids) > 2 else ()
            target = self.member_of(operand_tree)
            if str(name) in _MACROS:
                return self.macro(name, target, args)
            return ast.Call(target.pos, str(name), args, target)
        if tree.data == "member_index":
            raise self.refuse(tree, "indexing with [ ]", "下标访问 [ ]")
        if tree.data == "member_object":
            raise self.refuse(tree, "a message literal", "消息字面量")
        raise self.refuse(tree, f"the construct '{tree.data}'", f"“{tree.data}”结构")

    def member_of(self, tree: Tree[Any]) -> ast.Expr:
        if tree.data == "member":
            return self.member(self.only(tree))
        return self.member(tree)

    def macro(self, name: Token, target: ast.Expr, args: tuple[ast.Expr, ...]) -> ast.Expr:
        if len(args) != 2 or not isinstance(args[0], ast.Ident):
            p = self.pos(name)
            raise ExpressionSyntaxError(
                f"{name}() takes a variable name and a condition, e.g. "
                f"parents.{name}(p, p.vital_status == 'dead')",
                f"{name}() 需要一个变量名和一个条件，"
                f"例如 parents.{name}(p, p.vital_status == 'dead')",
                p.line,
                p.column,
            )
        kind = cast(ast.ComprehensionKind, str(name))
        return ast.Comprehension(target.pos, kind, target, args[0].name, args[1])

    def exprlist(self, tree: Tree[Any]) -> tuple[ast.Expr, ...]:
        return tuple(self.expr(k) for k in tree.children if k is not None)

    def primary(self, tree: Tree[Any]) -> ast.Expr:
        kids: list[Any] = [k for k in tree.children if k is not None]
        if tree.data == "ident":
            return ast.Ident(self.pos(kids[0]), str(kids[0]))
        if tree.data == "ident_arg":
            name = kids[0]
            args = self.exprlist(kids[1]) if len(kids) > 1 else ()
            if str(name) == "has":
                if len(args) != 1 or not isinstance(args[0], ast.Select):
                    p = self.pos(name)
                    raise ExpressionSyntaxError(
                        "has() takes one field, e.g. has(household.dibao)",
                        "has() 需要一个字段，例如 has(household.dibao)",
                        p.line,
                        p.column,
                    )
                return ast.Has(self.pos(name), args[0].operand, args[0].field)
            return ast.Call(self.pos(name), str(name), args)
        if tree.data == "paren_expr":
            return self.expr(kids[0])
        if tree.data == "list_lit":
            items = self.exprlist(kids[0]) if kids else ()
            return ast.ListLit(self.pos(tree), items)
        if tree.data == "literal":
            return self.literal(kids[0])
        if tree.data == "map_lit":
            raise self.refuse(tree, "a map literal", "映射字面量")
        if tree.data in ("dot_ident", "dot_ident_arg"):
            raise self.refuse(tree, "a leading-dot name", "以点开头的名称")
        raise self.refuse(tree, f"the construct '{tree.data}'", f"“{tree.data}”结构")

    def literal(self, token: Token) -> ast.Expr:
        pos = self.pos(token)
        text = str(token)
        kind = token.type
        if kind == "BOOL_LIT":
            return ast.Literal(pos, text == "true")
        if kind == "NULL_LIT":
            return ast.Literal(pos, None)
        if kind == "INT_LIT":
            return ast.Literal(pos, int(text, 0))
        if kind == "FLOAT_LIT":
            return ast.Literal(pos, float(text))
        if kind in ("STRING_LIT", "MLSTRING_LIT"):
            raw = text[0] in "rR"
            body = text[1:] if raw else text
            quote = 3 if body[:3] in ('"""', "'''") else 1
            inner = body[quote:-quote]
            if raw:
                return ast.Literal(pos, inner)
            # CEL's escapes are a subset of Python's for everything a policy writes.
            value = python_ast.literal_eval(body[0] * quote + inner + body[0] * quote)
            return ast.Literal(pos, str(value))
        raise self.refuse(
            token, "this kind of literal (bytes, unsigned)", "这种字面量（字节、无符号数）"
        )
