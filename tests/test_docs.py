"""The documentation stays in step with the code.

- ``docs/parameters.md``, ``docs/metrics.md`` and the schedule in ``docs/model.md`` are exactly
  what ``make docs`` generates;
- every scenario schema field states its unit in brackets at the end of its description;
- every metric in the registry is named in ``docs/model.md`` or ``docs/metrics.md``;
- every process module is named in ``docs/model.md``;
- the *Events* column of ``docs/parameters.md`` says what events accept on the baseline;
- every example scenario file in ``docs/scenarios.md`` loads and runs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import sanctionsim as ss
from sanctionsim import metrics, reference
from sanctionsim.model.model import SanctionsModel

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PROCESSES = ROOT / "src" / "sanctionsim" / "model" / "processes"
BASELINE = ROOT / "scenarios" / "baseline.yaml"

# A fenced YAML block whose first line is "# file: <path>".
_EXAMPLE = re.compile(r"```yaml\n# file: (?P<path>\S+)\n(?P<body>.*?)```", re.DOTALL)


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(reference.render()))
def test_generated_reference_is_current(name: str) -> None:
    path = DOCS / name
    assert path.exists(), f"docs/{name} is missing: run make docs"
    expected = reference.render()[name]
    assert path.read_text(encoding="utf-8") == expected, (
        f"docs/{name} is out of date with the code: run make docs"
    )


def test_main_writes_the_reference(tmp_path: Path) -> None:
    reference.main(tmp_path)
    for name, text in reference.render().items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(reference.render()), "temporary files left"


def test_split_unit() -> None:
    assert reference.split_unit("Initial stock [good unit]") == ("Initial stock", "good unit")
    assert reference.split_unit("p = 1 - exp(-kappa * effort) [1/effort unit]")[1] == "1/effort unit"
    assert reference.split_unit("Display name") == ("Display name", None)
    assert reference.split_unit(None) == ("", None)


def test_every_schema_field_has_a_unit() -> None:
    missing = reference.fields_without_unit()
    assert not missing, (
        f"{len(missing)} scenario schema field(s) lack a '[unit]' at the end of their description "
        "in src/sanctionsim/scenario/schema.py (then run make docs):\n  " + "\n  ".join(missing)
    )


_SLOTS = {
    "actors": "<CODE>",
    "goods": "<good>",
    "routes": "<route>",
    "sanctions": "<regime>",
    "contracts": "<contract>",
    "deployments": "<deployment>",
}


def _pattern(path: str) -> str:
    """The documented pattern of a parameter path: ``routes.rail.kappa`` -> ``routes.<route>.kappa``."""
    parts = path.split(".")
    if parts[0] in _SLOTS:
        parts[1] = _SLOTS[parts[0]]
    if len(parts) > 3 and parts[2] in ("goods", "caps", "payment"):  # goods.<good>.*, caps/payment.<good>
        parts[3] = "<good>"
    return ".".join(parts)


def test_events_column_matches_what_events_accept() -> None:
    """A baseline parameter documented `yes` is accepted by events; any other is refused."""
    params = SanctionsModel(config=ss.load_scenario(BASELINE).config, replicates=[0]).world.pars
    column = {f.path: f.events for f in reference.schema_fields()}
    wrong = []
    for path in params.paths():
        if path.split(".", 1)[0] in ("ties", "treaty"):
            continue  # derived paths, documented as settable
        events = column[_pattern(path)]
        try:
            params.resolve(path, settable=True)
            accepted = True
        except ValueError:
            accepted = False
        if accepted != events.startswith("yes"):
            wrong.append(f"{path}: documented {events!r}, events {'accept' if accepted else 'refuse'} it")
    assert not wrong, "docs/parameters.md Events column is wrong (fix reference.py):\n  " + "\n  ".join(wrong)


def test_every_metric_is_documented() -> None:
    text = _read("model.md") + _read("metrics.md")
    names = [res.template for _, res in metrics.declarations()] + list(metrics.KEY_METRICS)
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing, f"metrics named in neither docs/model.md nor docs/metrics.md: {missing}"


def test_every_process_is_named_in_model_doc() -> None:
    text = _read("model.md")
    modules = sorted(p.stem for p in PROCESSES.glob("*.py") if p.stem != "__init__")
    assert modules, "no process modules found"
    missing = [m for m in modules if f"processes/{m}.py" not in text]
    assert not missing, f"process modules not named in docs/model.md: {missing}"


def _examples() -> list[tuple[str, str]]:
    return [(m["path"], m["body"]) for m in _EXAMPLE.finditer(_read("scenarios.md"))]


def test_scenarios_doc_has_examples() -> None:
    assert len(_examples()) >= 4


@pytest.mark.parametrize("path", [p for p, _ in _examples()])
def test_scenario_example_loads_and_runs(tmp_path: Path, path: str) -> None:
    """Write every example into a scratch project beside a copy of the baseline, then run this one."""
    (tmp_path / "scenarios").mkdir()
    shutil.copy(BASELINE, tmp_path / "scenarios" / "baseline.yaml")
    for other, body in _examples():
        file = tmp_path / other
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"# file: {other}\n{body}", encoding="utf-8")
    scenario = ss.load_scenario(tmp_path / path)
    results = ss.simulate(scenario, runs=2, workers=1)
    assert len(results.metrics) == 2 * scenario.config.months
    names = {e.name for e in scenario.config.events}
    assert set(results.events["event"]) <= names | {"adaptive_escalation"}
