"""Tests of the safe expression grammar (sanctionsim.scenario.expressions)."""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctionsim.scenario import ExpressionError, parse_expression
from sanctionsim.scenario.expressions import MAX_DEPTH, MAX_LENGTH, parse, validate_names

# ---------------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),
        ("12 / 3 / 2", 2.0),
        ("-2 * -3", 6.0),
        ("+5", 5.0),
        ("- (1 + 1)", -2.0),
        ("1_000 + 1e6 + .5 + 2.", 1_001_002.5),
        ("1E3 + 1e-3 + 1_0.2_5", 1010.251),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 4", False),
        ("3 >= 4", False),
        ("1 == 1.0", True),
        ("1 != 1", False),
        ("not 1 < 2", False),
        ("true and false", False),
        ("true or false", True),
        ("not true or true", True),  # not binds tighter than or
        ("false and false or true", True),  # and binds tighter than or
        ("1 + 1 == 2 and 3 * 2 > 5", True),
        ('"2024-08" >= "2024-07"', True),
        ('"a\\"b" == "a\\"b"', True),
        ("not not true", True),
    ],
)
def test_evaluates_examples(text: str, expected: object) -> None:
    result = parse(text).evaluate({})
    assert result == pytest.approx(expected) if isinstance(expected, float) else result == expected


def test_names_calls_and_source() -> None:
    expr = parse_expression("mean(x) > y and sum(x, z) < y", functions={"mean": 1, "sum": None})
    assert expr.names == ("x", "y", "z")
    assert expr.calls == ("mean", "sum")
    assert expr.source == "mean(x) > y and sum(x, z) < y"
    assert str(expr) == expr.source
    assert expr == parse_expression("mean(x) > y and sum(x, z) < y", functions={"mean": 1, "sum": None})


def test_vectorised_evaluation_with_arrays_and_scalars() -> None:
    env = {"x": np.array([1.0, 2.0, 3.0]), "y": 2.0, "flag": np.array([True, False, True])}
    result = parse("x >= y and flag or x == 2").evaluate(env)
    np.testing.assert_array_equal(result, [False, True, True])
    np.testing.assert_allclose(parse("x * y - 1").evaluate(env), [1.0, 3.0, 5.0])
    np.testing.assert_array_equal(parse("not flag").evaluate(env), [False, True, False])


def test_division_by_zero_follows_numpy() -> None:
    result = parse("x / 0").evaluate({"x": np.array([1.0, 0.0, -1.0])})
    assert result[0] == math.inf
    assert math.isnan(result[1])
    assert result[2] == -math.inf
    assert parse("1 / 0").evaluate({}) == math.inf
    assert math.isnan(parse("0 / 0").evaluate({}))


def test_string_dates_compare_elementwise() -> None:
    env = {"date": np.array(["2024-06", "2024-07", "2024-08"])}
    np.testing.assert_array_equal(parse('date >= "2024-07"').evaluate(env), [False, True, True])
    assert parse('date == "2024-07"').evaluate({"date": "2024-07"})


def test_booleans_in_arithmetic_count_as_numbers() -> None:
    assert parse("true + true").evaluate({}) == 2.0
    np.testing.assert_allclose(parse("f * 2").evaluate({"f": np.array([True, False])}), [2.0, 0.0])


def test_allowed_function_is_called() -> None:
    expr = parse("mean(x) + max(x, 1, 5)", functions={"mean": 1, "max": None})
    value = expr.evaluate(
        {"x": np.array([1.0, 3.0])}, {"mean": np.mean, "max": lambda *a: max(np.max(v) for v in a)}
    )
    assert value == pytest.approx(7.0)


def test_function_arity_is_checked() -> None:
    with pytest.raises(ExpressionError, match="takes 1 argument, got 2"):
        parse("mean(x, y)", functions={"mean": 1})
    with pytest.raises(ExpressionError, match="takes 2 arguments, got 0"):
        parse("between()", functions={"between": 2})


def test_missing_function_implementation_at_evaluation() -> None:
    expr = parse("mean(x)", functions={"mean": 1})
    with pytest.raises(ExpressionError, match="unknown function 'mean'"):
        expr.evaluate({"x": 1.0})


# ---------------------------------------------------------------------------------------------
# Safety: anything beyond the grammar is rejected at parse time
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('__import__("os")', "'__'"),
        ('__import__("os").system("ls")', "'__'"),
        ('open("x")', "function calls are not allowed here: open(...)"),
        ("open(1)", "function calls are not allowed here: open(...)"),
        ("a.b", "attribute access is not allowed"),
        ("x.__class__", "attribute access is not allowed"),
        ("1.real", "attribute access is not allowed"),
        ("x[0]", "indexing is not allowed"),
        ("[1, 2]", "indexing is not allowed"),
        ("lambda: 1", "not allowed"),
        ("lambda x: x", "'lambda' is not supported"),
        ("import os", "'import' is not supported"),
        ("1 if x else 2", "unexpected 'if'"),
        ("x = 1", "use '==' to compare"),
        ("{}", "'{' is not allowed"),
        ("'single'", "double quotes"),
        ("a ** 2", "'**' is not supported"),
        ("a // 2", "'//' is not supported"),
        ("a % 2", "'%' is not supported"),
        ("a & b", "use 'and'"),
        ("a | b", "use 'or'"),
        ("~a", "use 'not'"),
        ("!a", "use 'not'"),
        ("1 < x < 3", "cannot be chained"),
        ("True", "write 'true'"),
        ("None", "'None' is not supported"),
        ("x; y", "';' is not allowed"),
        ("__x", "'__'"),
        ("", "empty expression"),
        ("   ", "empty expression"),
        ("1 +", "expected a value but found end of expression"),
        ("(1 + 2", "expected ')'"),
        ("1 + 2)", "unexpected ')'"),
        ("x y", "unexpected 'y'"),
        ("and x", "expected a value but found 'and'"),
        ('"open', "unterminated string"),
        ("1__0", "invalid number"),
        ("1_", "invalid number"),
        ("1e", "invalid number"),
        ("0x1f", "invalid number"),
        ("1abc", "invalid number"),
        ("é", "unexpected character"),
        ("x(1)", "function calls are not allowed here: x(...)"),
    ],
)
def test_rejects_outside_grammar(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_function_lists_allowed_and_suggests() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("meen(x) > 1", functions={"mean": 1, "sum": 1})
    text = str(info.value)
    assert "unknown function 'meen'; allowed: mean, sum" in text
    assert "Did you mean 'mean'?" in text
    assert info.value.column == 1
    with pytest.raises(ExpressionError, match="unknown function 'open'"):
        parse('open("x")', functions={"mean": 1})
    with pytest.raises(ExpressionError, match="'__'"):
        parse("__import__(x)", functions={"mean": 1})


def test_error_reports_column() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("x + y.z")
    assert info.value.column == 6
    assert "column 6" in str(info.value)
    assert info.value.source == "x + y.z"


def test_length_and_depth_limits() -> None:
    parse("(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("-" * (MAX_DEPTH + 1) + "1")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("not " * (MAX_DEPTH + 1) + "true")
    with pytest.raises(ExpressionError, match="too long"):
        parse("1" + " " * MAX_LENGTH)


def test_long_flat_chains_do_not_recurse() -> None:
    terms = (MAX_LENGTH - 1) // 2  # "1+1+...+1" within the length limit
    assert parse("+".join(["1"] * terms)).evaluate({}) == terms
    assert parse(" or ".join(["false"] * 200)).evaluate({}) == np.False_


def test_non_string_is_rejected() -> None:
    with pytest.raises(ExpressionError, match="must be a string"):
        parse(3)  # type: ignore[arg-type]


def test_unknown_name_at_evaluation_lists_known_names_with_suggestion() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("1 + shels > 0").evaluate({"shells": 1.0, "oil": 2.0})
    text = str(info.value)
    assert "unknown name 'shels'; known names: oil, shells" in text
    assert "Did you mean 'shells'?" in text
    assert info.value.column == 5


def test_validate_names() -> None:
    expr = parse("gdp_prk > 0 and tie_rus_prk < 0.5")
    validate_names(expr, ["gdp_prk", "tie_rus_prk"])
    with pytest.raises(ExpressionError) as info:
        validate_names(expr, ["gdp_prk", "tie_rus_prc"])
    assert info.value.suggestion == "tie_rus_prc"
    assert info.value.column == 17


def test_type_errors_at_evaluation_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="cannot apply '\\+'"):
        parse('1 + "a"').evaluate({})
    with pytest.raises(ExpressionError, match="cannot compare"):
        parse('x < "a"').evaluate({"x": 1.0})


def test_error_pickles() -> None:
    error = ExpressionError("bad", source="x", column=1, suggestion="y")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert again.column == 1


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An expression text and its value computed independently in Python."""

    text: str
    value: float | bool


def _py_div(a: float, b: float) -> float:
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


_PY_ARITH = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _py_div,
}
_PY_CMP = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

_ints = st.integers(min_value=0, max_value=10**9).flatmap(
    lambda n: st.sampled_from([Case(str(n), float(n)), Case(f"{n:_}", float(n))])
)
_floats = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False).map(
    lambda x: Case(repr(x), x)
)
_numbers = st.one_of(_ints, _floats)


def _arith(children: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    binary = st.tuples(children, st.sampled_from(list(_PY_ARITH)), children).map(
        lambda t: Case(f"({t[0].text} {t[1]} {t[2].text})", _PY_ARITH[t[1]](t[0].value, t[2].value))
    )
    negate = children.map(lambda c: Case(f"-{c.text}", -c.value))
    return st.one_of(binary, negate)


_numeric_exprs = st.recursive(_numbers, _arith, max_leaves=12)

_comparisons = st.tuples(_numeric_exprs, st.sampled_from(list(_PY_CMP)), _numeric_exprs).map(
    lambda t: Case(f"{t[0].text} {t[1]} {t[2].text}", _PY_CMP[t[1]](t[0].value, t[2].value))
)


def _logic(children: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    both = st.tuples(children, st.sampled_from(["and", "or"]), children).map(
        lambda t: Case(
            f"({t[0].text} {t[1]} {t[2].text})",
            (t[0].value and t[2].value) if t[1] == "and" else (t[0].value or t[2].value),
        )
    )
    negate = children.map(lambda c: Case(f"not ({c.text})", not c.value))
    return st.one_of(both, negate)


_bool_leaves = st.one_of(_comparisons, st.sampled_from([Case("true", True), Case("false", False)]))
_bool_exprs = st.recursive(_bool_leaves, _logic, max_leaves=8)


def _same(result: object, expected: float | bool) -> bool:
    value = float(result)  # type: ignore[arg-type]
    if math.isnan(expected):
        return math.isnan(value)
    return value == expected


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_numeric_exprs)
def test_arithmetic_agrees_with_python(case: Case) -> None:
    assert _same(parse(case.text).evaluate({}), case.value), case.text


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_bool_exprs)
def test_logic_and_comparisons_agree_with_python(case: Case) -> None:
    result = parse(case.text).evaluate({})
    assert bool(result) is bool(case.value), case.text


@given(
    st.lists(st.tuples(st.sampled_from(["+", "-", "*", "/"]), st.integers(1, 99)), max_size=12),
    st.integers(0, 99),
)
def test_precedence_of_unparenthesised_arithmetic(ops: list[tuple[str, int]], first: int) -> None:
    # Reference: * and / bind tighter than + and -, all left-associative.
    terms: list[float] = [float(first)]
    signs: list[str] = []
    for op, n in ops:
        if op in "*/":
            terms[-1] = _PY_ARITH[op](terms[-1], float(n))
        else:
            signs.append(op)
            terms.append(float(n))
    expected = terms[0]
    for sign, term in zip(signs, terms[1:], strict=True):
        expected = _PY_ARITH[sign](expected, term)
    text = str(first) + "".join(f" {op} {n}" for op, n in ops)
    assert parse(text).evaluate({}) == pytest.approx(expected, rel=1e-12), text


@given(
    st.recursive(
        st.sampled_from(["x", "y", "1.5", "0"]),
        lambda c: st.tuples(c, st.sampled_from(["+", "-", "*", "/"]), c).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        max_leaves=8,
    ),
    st.lists(st.floats(-100, 100), min_size=1, max_size=5),
    st.data(),
)
def test_arrays_evaluate_like_each_replicate(text: str, xs: list[float], data: st.DataObject) -> None:
    ys = data.draw(st.lists(st.floats(-100, 100), min_size=len(xs), max_size=len(xs)))
    expr = parse(f"{text} > 1 or {text} != {text}")
    together = np.broadcast_to(expr.evaluate({"x": np.array(xs), "y": np.array(ys)}), (len(xs),))
    for r, (x, y) in enumerate(zip(xs, ys, strict=True)):
        assert bool(together[r]) == bool(expr.evaluate({"x": x, "y": y}))


@settings(max_examples=500)
@given(st.text(alphabet="ab_1.e+-*/()<>=!\"' [],:\\~&|%notrudfsl", max_size=40))
def test_random_text_only_raises_expression_error(text: str) -> None:
    try:
        expr = parse(text, functions={"f": 1, "g": None})
    except ExpressionError as exc:
        assert "\n" not in str(exc)
        return
    assert expr.source == text
