"""Fuzz the loader and the command line with random and mutated scenario files and ``--set`` values,
and the observations reader with mutated observations files.

Every input must end either in a valid run (exit 0, a complete results folder without NaN, strict
JSON on stdout) or in exit code 2 with one ``error:`` line: never a traceback, a hang, a NaN in
the results or a partial results folder. docs/robustness.md lists the hostile inputs these
strategies draw from.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sanctionsim.analysis.observations import SHIPPED, Observations, load_observations
from sanctionsim.cli.app import app
from sanctionsim.experiments.spec import run_spec
from sanctionsim.results import load_results
from sanctionsim.scenario import load_scenario
from tests.conftest import BASELINE

BASE: dict[str, Any] = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))

#: YAML snippets of hostile values: non-finite, huge, negative, wrong types, dates, tags, aliases.
HOSTILE = (
    ".inf",
    "-.inf",
    ".nan",
    "1e308",
    "-1e308",
    "1e-320",
    "-1",
    "0",
    "2",
    "99999999999999999999999",
    "null",
    "[]",
    "{}",
    "[1, 2]",
    "{a: 1}",
    "'text'",
    "true",
    "2024-13",
    "2024-01-01",
    "'2024-07'",
    "'9999-12'",
    "!!binary aGVsbG8=",
    "!!python/object:os.system {}",
    "&a [*a]",
    "'x' * 3",
    '"\\x00"',
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of the baseline (mappings and list items, leaves and inner nodes)."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, (*prefix, i))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


PATHS = _paths(BASE)
DOTTED = sorted({".".join(str(p) for p in path) for path in PATHS})
#: Numeric values of the baseline by dotted path (mapping keys only, as --set writes them).
NUMBERS = {
    ".".join(map(str, path)): value
    for path in PATHS
    if not any(isinstance(k, int) for k in path)
    and isinstance(value := _get(BASE, path), int | float)
    and not isinstance(value, bool)
}


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _delete(data: dict[str, Any], path: tuple[Any, ...]) -> None:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]


MARKER = "__HOSTILE__"


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    """A scenario file: the baseline with values replaced, keys deleted or renamed, then maybe the
    text itself cut, spliced or given a YAML bomb."""
    data = copy.deepcopy(BASE)
    data["runs"], data["months"] = 2, 3
    snippets: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            action = draw(
                st.sampled_from(("hostile", "delete", "rename", "number", "scale", "scale", "scale"))
            )
            if action == "hostile":
                snippets.append(draw(st.sampled_from(HOSTILE)))
                _set(data, path, f"{MARKER}{len(snippets) - 1}")
            elif action == "delete" and not isinstance(path[-1], int):
                _delete(data, path)
            elif action == "rename" and not isinstance(path[-1], int):
                node: Any = data
                for key in path[:-1]:
                    node = node[key]
                node[str(path[-1]) + draw(st.sampled_from(("x", "_", "S", "")))] = node.pop(path[-1])
            elif action == "scale":  # stays a valid value more often than not: reaches the model
                node = _get(data, path)
                if isinstance(node, int | float) and not isinstance(node, bool):
                    _set(data, path, node * draw(st.sampled_from((0, 0.5, 0.999, 2, 10, 1e6, 1e300))))
            else:
                _set(data, path, draw(st.floats(allow_nan=True, allow_infinity=True)))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the path
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    for i, snippet in enumerate(snippets):
        text = text.replace(f"'{MARKER}{i}'", snippet).replace(f"{MARKER}{i}", snippet)
    edit = draw(st.sampled_from(("none",) * 6 + ("cut", "splice", "bomb", "garbage")))
    if edit == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif edit == "splice":
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at]
            + draw(st.sampled_from((":", "- ", "\t", "{", "]", "&x ", "*x", "!!set ", "\n  ", "'")))
            + text[at:]
        )
    elif edit == "bomb":
        levels = draw(st.integers(2, 12))
        lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
        lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
        text += "\n" + "\n".join(lines) + "\n"
    elif edit == "garbage":
        text = draw(st.text(max_size=200))
    return text


@st.composite
def set_values(draw: st.DrawFn) -> str:
    """A ``--set`` override: a real or misspelt path, and a hostile or random value; or a real
    number scaled, which usually runs."""
    if draw(st.booleans()):
        path = draw(st.sampled_from(sorted(NUMBERS)))
        factor = draw(st.sampled_from((0, 0.5, 2, 10, 1e3, 1e6, 1e12, 1e300)))
        return f"{path}={NUMBERS[path] * factor!r}"
    path = draw(st.one_of(st.sampled_from(DOTTED), st.text(min_size=1, max_size=20)))
    value = draw(
        st.one_of(
            st.sampled_from(HOSTILE),
            st.floats().map(repr),
            st.integers(min_value=-(10**30), max_value=10**30).map(str),
            st.text(max_size=20),
        )
    )
    return f"{path}={value}"


def _one_error_line(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), stderr
    assert "Traceback" not in stderr


def _check_outcome(result: Any, out: Path) -> None:
    event(f"exit {result.exit_code}")
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == [], f"temporary folders left behind: {leftovers}"
    if result.exit_code == 2:
        _one_error_line(result.stderr)
        assert not out.exists(), "a failed run leaves no results folder"
        return
    json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"bare {c} in --json output"))
    res = load_results(out)
    for frame in (res.metrics, res.flows):
        values = frame.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(values).all(), "a run wrote a value that is not a finite number"


#: ``SANCTIONSIM_FUZZ_EXAMPLES=2000`` fuzzes longer, with fresh random inputs; the suite's default
#: draws the same 40 inputs per test on every run.
_EXAMPLES = int(os.environ.get("SANCTIONSIM_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXAMPLES or 40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
    derandomize=not _EXAMPLES,
)


@FUZZ
@given(text=scenario_texts())
def test_loader_gives_a_scenario_or_a_one_line_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        spec = run_spec(load_scenario(path))
    except ValueError as err:  # ScenarioError is a ValueError
        assert "\n" not in str(err) and str(err).strip(), repr(err)
        return
    assert all(math.isfinite(v) for v in _numbers(spec.config.model_dump()))


def _numbers(data: Any) -> list[float]:
    if isinstance(data, dict):
        return [n for v in data.values() for n in _numbers(v)]
    if isinstance(data, list | tuple):
        return [n for v in data for n in _numbers(v)]
    return [float(data)] if isinstance(data, int | float) and not isinstance(data, bool) else []


@FUZZ
@given(text=scenario_texts(), sets=st.lists(set_values(), max_size=2))
def test_cli_run_ends_in_results_or_one_line(
    tmp_path_factory: pytest.TempPathFactory, text: str, sets: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("fuzzcli")
    path = folder / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = folder / "results" / "out"
    out.parent.mkdir()
    args = ["run", str(path), "--runs", "2", "--months", "3", "--workers", "1", "--out", str(out), "--json"]
    for s in sets:
        args += ["--set", s]
    _check_outcome(CliRunner().invoke(app, args), out)


@FUZZ
@given(sets=st.lists(set_values(), min_size=1, max_size=3))
def test_cli_set_values_on_the_baseline(tmp_path_factory: pytest.TempPathFactory, sets: list[str]) -> None:
    out = tmp_path_factory.mktemp("fuzzset") / "results" / "out"
    out.parent.mkdir()
    args = ["run", str(BASELINE), "-n", "2", "-m", "3", "-w", "1", "-o", str(out), "--json"]
    for s in sets:
        args += ["--set", s]
    _check_outcome(CliRunner().invoke(app, args), out)


OBSERVATIONS_CSV = SHIPPED.read_text(encoding="utf-8")
#: The shipped rows as a YAML list (the other format an observations file may take).
OBSERVATIONS_YAML = yaml.safe_dump(
    [{k: v for k, v in row.items() if v} for row in csv.DictReader(io.StringIO(OBSERVATIONS_CSV))],
    sort_keys=False,
)


@st.composite
def observations_files(draw: st.DrawFn) -> tuple[str, str]:
    """An observations file (suffix, text): the shipped rows as CSV or YAML, cut, spliced, given a
    YAML bomb or deep nesting, or random text."""
    suffix = draw(st.sampled_from((".csv", ".yaml")))
    text = OBSERVATIONS_CSV if suffix == ".csv" else OBSERVATIONS_YAML
    edit = draw(st.sampled_from(("none", "cut", "splice", "splice", "bomb", "deep", "garbage")))
    if edit == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif edit == "splice":
        at = draw(st.integers(0, len(text)))
        piece = draw(
            st.sampled_from((",", '"', "\n", ":", "- ", "{", "]", "&x ", "*x", "\x00", "nan", "1e400"))
        )
        text = text[:at] + piece + text[at:]
    elif edit == "bomb":
        levels = draw(st.integers(2, 12))
        lines = ["- &l0 [x, x, x, x, x, x, x, x, x, x]"]
        lines += [f"- &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
        text = "\n".join(lines) + "\n"
    elif edit == "deep":
        depth = draw(st.sampled_from((10, 51, 2_000, 20_000)))
        text = "- " + "[" * depth + "]" * depth + "\n"
    elif edit == "garbage":
        text = draw(st.text(max_size=300))
    return suffix, text


@FUZZ
@given(file=observations_files())
def test_observations_reader_gives_rows_or_a_one_line_error(
    tmp_path_factory: pytest.TempPathFactory, file: tuple[str, str]
) -> None:
    suffix, text = file
    path = tmp_path_factory.mktemp("fuzzobs") / f"obs{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        observations = load_observations(path)
    except ValueError as err:
        event("refused")
        assert str(err).startswith(f"{path}: ") and "\n" not in str(err), repr(err)
        return
    event("read")
    assert isinstance(observations, Observations) and observations.rows
