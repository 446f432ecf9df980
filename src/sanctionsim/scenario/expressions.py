"""A small, safe expression language for scenario conditions and claims.

Scenario files hold conditions (``detected_shells > 1e6 and month >= 12``) and claims
(``mean(shells_prk_to_rus) > 100_000``). They are parsed here by a hand-written tokenizer and a
recursive-descent parser into a tree of frozen dataclasses, and evaluated over numpy arrays. Python's
``eval``, ``exec`` and ``ast`` are never used, so a scenario file cannot run code.

Grammar (lowest precedence first)::

    expression := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" [expression ("," expression)*] ")"
                | "(" expression ")"

Numbers are float64 (``12``, ``1.5``, ``1e6``, ``1_000``); strings use double quotes
(``"2024-07"``); names are letters, digits and underscores, not starting with a digit or ``__``.
Comparisons do not chain (write ``0 < x and x < 1``). Functions can be called only when the caller
allows their names. Evaluation is vectorised: names may be bound to numpy arrays of shape ``(R,)``
or to scalars; ``and``/``or``/``not`` are elementwise and do not short-circuit; division by zero
gives ``inf`` or ``nan`` as in numpy.

Example:
    >>> expr = parse("not (x > 2 and y != 0) or mean(x) > 1", functions={"mean": 1})
    >>> expr.names, expr.calls
    (('x', 'y'), ('mean',))
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "BinOp",
    "Bool",
    "BoolOp",
    "Call",
    "Compare",
    "Expression",
    "ExpressionError",
    "Name",
    "Node",
    "Number",
    "String",
    "Unary",
    "parse",
    "validate_names",
]

#: Longest accepted expression, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting (parentheses, unary operators, ``not``, call arguments).
MAX_DEPTH = 50
#: Largest number of known names listed in an "unknown name" message.
_MAX_LISTED = 30

_NO_FUNCTIONS: Mapping[str, Any] = MappingProxyType({})


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated.

    Attributes:
        problem: What is wrong, without the position.
        source: The expression text (may be empty when unknown).
        column: 1-based column of the problem in ``source``, or ``None``.
        suggestion: The closest known name, for "Did you mean", or ``None``.
    """

    def __init__(
        self, problem: str, *, source: str = "", column: int | None = None, suggestion: str | None = None
    ) -> None:
        """Create the error.

        Args:
            problem: What is wrong.
            source: The expression text.
            column: 1-based column of the problem.
            suggestion: The closest known name, if any.
        """
        self.problem = problem
        self.source = source
        self.column = column
        self.suggestion = suggestion
        text = problem
        if column is not None:
            text += f" (column {column} of {_clip(source)!r})" if source else f" (column {column})"
        if suggestion is not None:
            text += f". Did you mean '{suggestion}'?"
        super().__init__(text)

    def __reduce__(self) -> tuple[Any, ...]:
        """Support pickling (keyword-only constructor)."""
        return (_rebuild_error, (self.problem, self.source, self.column, self.suggestion))


def _rebuild_error(problem: str, source: str, column: int | None, suggestion: str | None) -> ExpressionError:
    return ExpressionError(problem, source=source, column=column, suggestion=suggestion)


def _clip(source: str, limit: int = 80) -> str:
    text = " ".join(source.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Syntax tree
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """Base class of syntax tree nodes.

    Attributes:
        pos: 0-based offset of the node in the source text.
    """

    pos: int = field(default=0, kw_only=True, compare=False)


@dataclass(frozen=True)
class Number(Node):
    """A numeric literal (always float)."""

    value: float


@dataclass(frozen=True)
class String(Node):
    """A double-quoted string literal."""

    value: str


@dataclass(frozen=True)
class Bool(Node):
    """The literal ``true`` or ``false``."""

    value: bool


@dataclass(frozen=True)
class Name(Node):
    """An identifier, looked up in the evaluation environment."""

    id: str


@dataclass(frozen=True)
class Unary(Node):
    """Unary ``-``, ``+`` or ``not``."""

    op: str
    operand: Node


@dataclass(frozen=True)
class BinOp(Node):
    """Arithmetic ``+ - * /``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    """A comparison ``< <= > >= == !=`` (elementwise)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp(Node):
    """``and`` / ``or`` over two or more operands (elementwise, no short-circuit)."""

    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Call(Node):
    """A call to an allowed function."""

    name: str
    args: tuple[Node, ...]


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, BinOp | Compare):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.operands
    if isinstance(node, Call):
        return node.args
    return ()


def _walk(tree: Node) -> list[Node]:
    """All nodes in source order (iterative: long ``a + b + ...`` chains need no recursion)."""
    out: list[Node] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(_children(node)))
    return out


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_RESERVED = frozenset(keyword.kwlist) - _KEYWORDS
_TWO_CHAR_OPS = ("<=", ">=", "==", "!=")
_ONE_CHAR_OPS = "+-*/<>(),"
_FORBIDDEN_CHARS: dict[str, str] = {
    ".": "attribute access is not allowed",
    "[": "indexing is not allowed",
    "]": "indexing is not allowed",
    "{": "'{' is not allowed",
    "}": "'}' is not allowed",
    ":": "':' is not allowed (no lambdas, slices or dictionaries)",
    "'": "strings use double quotes",
    "=": "'=' is not allowed; use '==' to compare",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "~": "use 'not' instead of '~'",
    "!": "use 'not' instead of '!'",
    "%": "'%' is not supported",
    "^": "'^' is not supported",
    "@": "'@' is not allowed",
    "\\": "'\\' is not allowed",
    "#": "comments are not allowed",
    ";": "';' is not allowed",
    "`": "'`' is not allowed",
    "$": "'$' is not allowed",
    "?": "'?' is not allowed",
}


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "str", "name", "op", "end"
    text: str
    pos: int
    value: Any = None


def _is_name_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class _Tokenizer:
    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, problem: str, pos: int) -> ExpressionError:
        return ExpressionError(problem, source=self.source, column=pos + 1)

    def tokens(self) -> Iterator[_Token]:
        """Yield tokens lazily, so the parser reports the leftmost problem first."""
        src = self.source
        n = len(src)
        i = 0
        out: list[_Token] = []
        while i < n:
            ch = src[i]
            if ch.isspace():
                i += 1
            elif ch.isdigit() or (ch == "." and i + 1 < n and src[i + 1].isdigit()):
                i = self._number(i, out)
            elif _is_name_start(ch):
                j = i
                while j < n and _is_name_char(src[j]):
                    j += 1
                out.append(_Token("name", src[i:j], i))
                i = j
            elif ch == '"':
                i = self._string(i, out)
            elif src.startswith("**", i):
                raise self.error("'**' is not supported", i)
            elif src.startswith("//", i):
                raise self.error("'//' is not supported; use '/'", i)
            elif src.startswith(("<=", ">=", "==", "!="), i):
                out.append(_Token("op", src[i : i + 2], i))
                i += 2
            elif ch in _ONE_CHAR_OPS:
                out.append(_Token("op", ch, i))
                i += 1
            elif ch in _FORBIDDEN_CHARS:
                raise self.error(_FORBIDDEN_CHARS[ch], i)
            else:
                raise self.error(f"unexpected character {ch!r}", i)
            yield from out
            out.clear()
        yield _Token("end", "", n)

    def _number(self, start: int, out: list[_Token]) -> int:
        src = self.source
        n = len(src)
        i = start
        while i < n and (src[i].isdigit() or src[i] == "_"):
            i += 1
        if i < n and src[i] == "." and not (i + 1 < n and _is_name_start(src[i + 1])):
            i += 1
            while i < n and (src[i].isdigit() or src[i] == "_"):
                i += 1
        if i < n and src[i] in "eE":
            j = i + 1
            if j < n and src[j] in "+-":
                j += 1
            if j < n and src[j].isdigit():
                i = j
                while i < n and (src[i].isdigit() or src[i] == "_"):
                    i += 1
        text = src[start:i]
        if i < n and (_is_name_char(src[i]) or src[i] == "."):
            if src[i] == ".":
                raise self.error("attribute access is not allowed", i)
            raise self.error(f"invalid number {src[start : i + 1]!r}", start)
        if "__" in text or text.endswith("_") or "_." in text or "._" in text or "_e" in text.lower():
            raise self.error(f"invalid number {text!r} (misplaced '_')", start)
        try:
            value = float(text)
        except ValueError:
            raise self.error(f"invalid number {text!r}", start) from None
        out.append(_Token("num", text, start, value))
        return i

    def _string(self, start: int, out: list[_Token]) -> int:
        src = self.source
        n = len(src)
        i = start + 1
        chars: list[str] = []
        while i < n:
            ch = src[i]
            if ch == '"':
                out.append(_Token("str", src[start : i + 1], start, "".join(chars)))
                return i + 1
            if ch == "\\":
                if i + 1 < n and src[i + 1] in '"\\':
                    chars.append(src[i + 1])
                    i += 2
                    continue
                raise self.error('only \\" and \\\\ escapes are allowed in strings', i)
            if ch in "\r\n":
                break
            chars.append(ch)
            i += 1
        raise self.error("unterminated string", start)


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

_COMPARE_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})


class _Parser:
    def __init__(self, source: str, tokens: Iterator[_Token], functions: Mapping[str, int | None]) -> None:
        self.source = source
        self.tokens = tokens
        self.functions = functions
        self.tok = next(tokens)
        self.depth = 0

    # helpers -------------------------------------------------------------------------------
    def error(self, problem: str, pos: int, suggestion: str | None = None) -> ExpressionError:
        return ExpressionError(problem, source=self.source, column=pos + 1, suggestion=suggestion)

    def at_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def at_word(self, word: str) -> bool:
        return self.tok.kind == "name" and self.tok.text == word

    def advance(self) -> _Token:
        token = self.tok
        if token.kind != "end":
            self.tok = next(self.tokens)
        return token

    def describe(self, token: _Token) -> str:
        if token.kind == "end":
            return "end of expression"
        return repr(token.text)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression is nested too deeply (limit {MAX_DEPTH} levels)", pos)

    # grammar -------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error("empty expression", 0)
        node = self.expression()
        if self.tok.kind != "end":
            token = self.tok
            if token.kind == "op" and token.text in _COMPARE_OPS:
                raise self.error("comparisons cannot be chained; combine them with 'and'", token.pos)
            if token.kind == "op" and token.text == "(":
                raise self.error("unexpected '('; only allowed functions can be called", token.pos)
            raise self.error(f"unexpected {self.describe(token)}", token.pos)
        return node

    def expression(self) -> Node:
        return self.or_expr()

    def or_expr(self) -> Node:
        start = self.tok.pos
        operands = [self.and_expr()]
        while self.at_word("or"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands), pos=start)

    def and_expr(self) -> Node:
        start = self.tok.pos
        operands = [self.not_expr()]
        while self.at_word("and"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands), pos=start)

    def not_expr(self) -> Node:
        if self.at_word("not"):
            token = self.advance()
            self.enter(token.pos)
            try:
                return Unary("not", self.not_expr(), pos=token.pos)
            finally:
                self.depth -= 1
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if self.at_op(*_COMPARE_OPS):
            token = self.advance()
            right = self.sum()
            return Compare(token.text, left, right, pos=token.pos)
        return left

    def sum(self) -> Node:
        node = self.product()
        while self.at_op("+", "-"):
            token = self.advance()
            node = BinOp(token.text, node, self.product(), pos=token.pos)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at_op("*", "/"):
            token = self.advance()
            node = BinOp(token.text, node, self.unary(), pos=token.pos)
        return node

    def unary(self) -> Node:
        if self.at_op("-", "+"):
            token = self.advance()
            self.enter(token.pos)
            try:
                return Unary(token.text, self.unary(), pos=token.pos)
            finally:
                self.depth -= 1
        return self.primary()

    def primary(self) -> Node:
        token = self.tok
        if token.kind == "num":
            self.advance()
            return Number(token.value, pos=token.pos)
        if token.kind == "str":
            self.advance()
            return String(token.value, pos=token.pos)
        if token.kind == "name":
            return self.name_or_call()
        if self.at_op("("):
            self.advance()
            self.enter(token.pos)
            try:
                node = self.expression()
            finally:
                self.depth -= 1
            if not self.at_op(")"):
                raise self.error(f"expected ')' but found {self.describe(self.tok)}", self.tok.pos)
            self.advance()
            return node
        raise self.error(f"expected a value but found {self.describe(token)}", token.pos)

    def name_or_call(self) -> Node:
        token = self.advance()
        text = token.text
        if text in ("true", "false"):
            return Bool(text == "true", pos=token.pos)
        if text in _KEYWORDS:
            raise self.error(f"expected a value but found {text!r}", token.pos)
        if text.startswith("__"):
            raise self.error(f"names starting with '__' are not allowed: {text!r}", token.pos)
        if text in ("True", "False"):
            raise self.error(f"write {text.lower()!r} instead of {text!r}", token.pos)
        if text in _RESERVED:
            raise self.error(f"{text!r} is not supported in expressions", token.pos)
        if not self.at_op("("):
            return Name(text, pos=token.pos)
        # a call
        if not self.functions:
            raise self.error(f"function calls are not allowed here: {text}(...)", token.pos)
        if text not in self.functions:
            allowed = ", ".join(sorted(self.functions))
            raise self.error(
                f"unknown function '{text}'; allowed: {allowed}",
                token.pos,
                suggestion=_close(text, self.functions),
            )
        self.advance()  # "("
        self.enter(token.pos)
        try:
            args: list[Node] = []
            if not self.at_op(")"):
                args.append(self.expression())
                while self.at_op(","):
                    self.advance()
                    args.append(self.expression())
            if not self.at_op(")"):
                raise self.error(f"expected ',' or ')' but found {self.describe(self.tok)}", self.tok.pos)
            self.advance()
        finally:
            self.depth -= 1
        arity = self.functions[text]
        if arity is not None and len(args) != arity:
            plural = "" if arity == 1 else "s"
            raise self.error(f"function '{text}' takes {arity} argument{plural}, got {len(args)}", token.pos)
        return Call(text, tuple(args), pos=token.pos)


def _close(word: str, names: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(names), n=1, cutoff=0.6)
    return matches[0] if matches else None


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_PY_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _numeric(value: Any) -> Any:
    """Booleans take part in arithmetic as 0.0 / 1.0 (numpy would treat ``+`` as logical or)."""
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, np.ndarray) and value.dtype == np.bool_:
        return value.astype(np.float64)
    return value


def _type_name(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of {value.dtype}"
    return type(value).__name__


class _Evaluator:
    def __init__(self, expr: Expression, env: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self.expr = expr
        self.env = env
        self.functions = functions

    def error(self, problem: str, node: Node, suggestion: str | None = None) -> ExpressionError:
        return ExpressionError(problem, source=self.expr.source, column=node.pos + 1, suggestion=suggestion)

    def visit(self, node: Node) -> Any:
        if isinstance(node, BinOp):
            return self.binop(node)
        if isinstance(node, Number | String | Bool):
            return node.value
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Unary):
            value = self.visit(node.operand)
            try:
                if node.op == "not":
                    return np.logical_not(value)
                if node.op == "-":
                    return np.negative(_numeric(value))
                return np.positive(_numeric(value))
            except TypeError:
                raise self.error(f"cannot apply '{node.op}' to {_type_name(value)}", node) from None
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, BoolOp):
            values = [self.visit(operand) for operand in node.operands]
            combine = np.logical_and if node.op == "and" else np.logical_or
            result = values[0]
            try:
                for value in values[1:]:
                    result = combine(result, value)
            except (TypeError, ValueError) as exc:
                raise self.error(f"cannot combine values with '{node.op}': {exc}", node) from None
            return result
        if isinstance(node, Call):
            return self.call(node)
        raise self.error(f"unknown syntax node {type(node).__name__}", node)  # pragma: no cover

    def name(self, node: Name) -> Any:
        try:
            return self.env[node.id]
        except KeyError:
            known = sorted(str(k) for k in self.env)
            listed = ", ".join(known[:_MAX_LISTED]) + (", ..." if len(known) > _MAX_LISTED else "")
            raise self.error(
                f"unknown name '{node.id}'; known names: {listed or '(none)'}",
                node,
                suggestion=_close(node.id, known),
            ) from None

    def binop(self, node: BinOp) -> Any:
        # Walk down the left spine iteratively: "a + b + c + ..." nests to the left.
        spine: list[BinOp] = []
        current: Node = node
        while isinstance(current, BinOp):
            spine.append(current)
            current = current.left
        result = self.visit(current)
        for op_node in reversed(spine):
            right = self.visit(op_node.right)
            try:
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    result = _ARITH[op_node.op](_numeric(result), _numeric(right))
            except (TypeError, ValueError) as exc:
                raise self.error(
                    f"cannot apply '{op_node.op}' to {_type_name(result)} and {_type_name(right)}"
                    + (f" ({exc})" if isinstance(exc, ValueError) else ""),
                    op_node,
                ) from None
        return result

    def compare(self, node: Compare) -> Any:
        left = self.visit(node.left)
        right = self.visit(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return np.bool_(_PY_COMPARE[node.op](left, right))
        try:
            with np.errstate(invalid="ignore"):
                return _COMPARE[node.op](left, right)
        except (TypeError, ValueError) as exc:
            raise self.error(
                f"cannot compare {_type_name(left)} and {_type_name(right)} with '{node.op}'"
                + (f" ({exc})" if isinstance(exc, ValueError) else ""),
                node,
            ) from None

    def call(self, node: Call) -> Any:
        try:
            function = self.functions[node.name]
        except KeyError:
            allowed = ", ".join(sorted(self.functions)) or "(none)"
            raise self.error(
                f"unknown function '{node.name}'; allowed: {allowed}",
                node,
                suggestion=_close(node.name, self.functions),
            ) from None
        args = [self.visit(arg) for arg in node.args]
        return function(*args)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed expression.

    Create it with :func:`parse`. Two expressions are equal when their source texts are equal.

    Attributes:
        source: The expression text.
        tree: The syntax tree.
        names: Identifiers used, in order of first appearance (function names excluded).
        calls: Functions called, in order of first appearance.
    """

    source: str
    tree: Node = field(repr=False, compare=False)
    names: tuple[str, ...] = field(compare=False)
    calls: tuple[str, ...] = field(compare=False)

    def __str__(self) -> str:
        """Return the source text."""
        return self.source

    def evaluate(
        self,
        env: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]] = _NO_FUNCTIONS,
    ) -> Any:
        """Evaluate elementwise with numpy.

        Args:
            env: Values of the names: numpy arrays (e.g. shape ``(R,)``), numbers, booleans or
                strings.
            functions: The callables behind the function names used in the expression.

        Returns:
            A scalar or an array, broadcast from the inputs (booleans for conditions).

        Raises:
            ExpressionError: If a name or function is unknown, or values of the wrong type are
                combined (for example a string and a number).
        """
        return _Evaluator(self, env, functions).visit(self.tree)


def parse(text: str, *, functions: Mapping[str, int | None] = _NO_FUNCTIONS) -> Expression:
    """Parse an expression.

    Args:
        text: The expression, at most :data:`MAX_LENGTH` characters.
        functions: The functions that may be called, mapping each name to its number of
            arguments, or to ``None`` when it takes any number. A call to any other name is an
            error.

    Returns:
        The parsed expression.

    Raises:
        ExpressionError: If the text is not a valid expression (the message gives the column).
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters; limit {MAX_LENGTH})")
    for name in functions:
        if not name.isidentifier() or name.startswith("__") or name in _KEYWORDS:
            raise ValueError(f"invalid function name {name!r} in the allow-list")
    tokens = _Tokenizer(text).tokens()
    tree = _Parser(text, tokens, functions).parse()
    nodes = _walk(tree)
    names = tuple(dict.fromkeys(n.id for n in nodes if isinstance(n, Name)))
    calls = tuple(dict.fromkeys(n.name for n in nodes if isinstance(n, Call)))
    return Expression(text, tree, names, calls)


def validate_names(expr: Expression, known: Iterable[str]) -> None:
    """Check that every name in ``expr`` is known.

    Args:
        expr: A parsed expression.
        known: The names that will be available at evaluation.

    Raises:
        ExpressionError: For the first unknown name, with its column and a "did you mean".
    """
    known_set = set(known)
    for node in _walk(expr.tree):
        if isinstance(node, Name) and node.id not in known_set:
            raise ExpressionError(
                f"unknown name '{node.id}'",
                source=expr.source,
                column=node.pos + 1,
                suggestion=_close(node.id, known_set),
            )
