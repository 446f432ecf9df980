"""The architecture keeps its promises: no import cycles, no string-keyed parameter reads in the
model (outside the builder of its typed views), a new process is one class plus one line in the
schedule, and metrics follow roles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "sanctionsim"


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(tree: ast.AST, modules: dict[str, Path]) -> Iterator[str]:
    """Every project module a module imports, anywhere in it (TYPE_CHECKING and function bodies too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in modules:
                    yield full
                elif node.module in modules:
                    yield node.module


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    modules = _modules()
    return {
        name: set(_imports(ast.parse(path.read_text(encoding="utf-8")), modules)) - {name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_imports() -> None:
    graph = import_graph()
    assert "sanctionsim.model.schedule" in graph["sanctionsim.metrics"]
    assert "sanctionsim.model.world" in graph["sanctionsim.model.process"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles in src/:\n  " + "\n  ".join(" <-> ".join(c) for c in found)


#: The model's code, except the one module that builds the typed views from parameter paths.
MODEL = "model"
VIEW_BUILDER = "model/pars.py"


def _path_like(node: ast.AST) -> bool:
    """A literal that names a parameter: a dotted string (``"war.fire_rate"``) or an f-string."""
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value
    )


def string_keyed_reads(path: Path) -> list[str]:
    """Places where code reads a value by a parameter path (``p["war.fire_rate"]``,
    ``p[f"routes.{r}.kappa"]``) or asks for one (``pars.get("routes.rail.kappa")``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _path_like(node.slice):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "set", "resolve", "stack")
            and any(_path_like(a) for a in node.args[:1])
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_model_code_reads_no_parameter_by_string_key() -> None:
    root = SRC / PACKAGE
    files = [p for p in sorted((root / MODEL).rglob("*.py")) if p != root / VIEW_BUILDER]
    assert len(files) > 30 and root / "model/processes/deployment.py" in files
    found = [hit for f in files for hit in string_keyed_reads(f)]
    assert not found, (
        "string-keyed reads in the model (use the typed views of model/pars.py):\n  " + "\n  ".join(found)
    )


def test_the_scan_catches_string_keys(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'a = p["war.fire_rate"]\nb = p[f"routes.{r}.kappa"]\n'
        'c = pars.get("war.trend")\nd = GOOD_INDEX["oil"]\n'
    )
    assert len(string_keyed_reads(bad)) == 3


def test_a_toy_process_is_one_class_and_one_line_in_the_schedule(baseline) -> None:
    from sanctionsim.model import SanctionsModel
    from sanctionsim.model.invariants import invariant_violations
    from sanctionsim.model.schedule import SCHEDULE
    from tests.toy_gift import Gift

    schedule = (*SCHEDULE[:-1], Gift, SCHEDULE[-1])  # the one line: before labour use
    with_gift = SanctionsModel(
        config=baseline.config, seed=4, replicates=range(6), keep_ledger=True, schedule=schedule
    )
    without = SanctionsModel(config=baseline.config, seed=4, replicates=range(6))
    with_gift.run(12)
    without.run(12)
    metrics = with_gift.recorder.metrics_frame()
    assert "gift_food_rus_to_prk" in metrics.columns
    given = metrics.groupby("replicate")["gift_food_rus_to_prk"].last()
    assert (given > 0).all()
    assert (
        metrics.groupby("replicate")["gift_food_rus_to_prk"].apply(lambda s: s.is_monotonic_increasing).all()
    )
    assert invariant_violations(with_gift) == []  # conserved: the gift went through the ledger
    prk_food = with_gift.recorder.metrics_frame()["stock_food_prk"].to_numpy()
    assert prk_food.sum() > without.recorder.metrics_frame()["stock_food_prk"].to_numpy().sum()
    assert "gift" in [p.name for p in with_gift.processes]


def test_a_schedule_out_of_order_is_refused(baseline) -> None:
    import pytest

    from sanctionsim.model import SanctionsModel
    from sanctionsim.model.schedule import SCHEDULE

    i = [p.name for p in SCHEDULE].index("production")
    swapped = (*SCHEDULE[:i], SCHEDULE[i + 1], SCHEDULE[i], *SCHEDULE[i + 2 :])  # valuation before production
    with pytest.raises(ValueError, match="valuation reads production before any process writes it"):
        SanctionsModel(config=baseline.config, replicates=[0], schedule=swapped)
