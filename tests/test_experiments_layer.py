"""Tests of the experiments layer's shape: RunSpec, validation once per scenario, the layers'
imports, one atomic-folder helper and one walker of the schema."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctionsim.atomic import AtomicFolder, atomic_folder
from sanctionsim.cli.app import app
from sanctionsim.experiments import check as check_module
from sanctionsim.experiments import spec as spec_module
from sanctionsim.experiments.compare import compare
from sanctionsim.experiments.ensemble import replay, simulate
from sanctionsim.experiments.spec import RunSpec, run_spec
from sanctionsim.scenario import ScenarioError, load_scenario
from sanctionsim.scenario.loader import compute_config_hash
from tests.conftest import BASELINE, ROOT

SRC = ROOT / "src" / "sanctionsim"
DATA = ROOT / "tests" / "data"


# ---------------------------------------------------------------------------------------------
# RunSpec
# ---------------------------------------------------------------------------------------------


def test_run_spec_holds_typed_options_and_the_config_that_runs() -> None:
    spec = run_spec(BASELINE, runs=7, seed=3, months=12, overrides=["war.fire_rate=9000"])
    assert (spec.runs, spec.seed, spec.months) == (7, 3, 12)
    assert (spec.config.runs, spec.config.seed, spec.config.months) == (7, 3, 12)
    assert spec.config.war.fire_rate == 9000.0
    assert spec.overrides == ("war.fire_rate=9000",)
    assert {k: spec.resolved[k] for k in ("runs", "seed", "months")} == {"runs": 7, "seed": 3, "months": 12}
    assert spec.config_hash == compute_config_hash(spec.resolved)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.runs = 8  # type: ignore[misc]
    # defaults come from the scenario file
    plain = run_spec(BASELINE)
    cfg = load_scenario(BASELINE).config
    assert (plain.runs, plain.seed, plain.months) == (cfg.runs, cfg.seed, cfg.months)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("runs", 0, "--runs: got 0; expected an integer >= 1"),
        ("seed", -1, "--seed: got -1; expected an integer >= 0"),
        ("months", 241, "--months: got 241; expected an integer from 1 to 240"),
        ("runs", 2.5, "--runs: got 2.5; expected an integer >= 1"),
        ("runs", True, "--runs: got True"),
    ],
)
def test_bad_options_name_the_option(option: str, value: object, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        run_spec(BASELINE, **{option: value})  # type: ignore[arg-type]
    assert str(info.value).startswith(message)


def test_cli_runs_zero_names_runs_not_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(BASELINE), "--runs", "0", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "--runs: got 0" in result.stderr and "--set" not in result.stderr
    assert not (tmp_path / "r").exists()


def test_options_beside_a_spec_are_refused() -> None:
    spec = run_spec(BASELINE, runs=2, months=2)
    with pytest.raises(ValueError, match="in the RunSpec"):
        simulate(spec, runs=3)


# ---------------------------------------------------------------------------------------------
# Validated once per scenario
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count calls of validate_config, each recorded as the configuration's JSON."""
    calls: list[str] = []
    real = spec_module.validate_config

    def counting(config):  # type: ignore[no-untyped-def]
        calls.append(config.model_dump_json())
        real(config)

    monkeypatch.setattr(spec_module, "validate_config", counting)
    return calls


def test_simulate_validates_once(validations: list[str]) -> None:
    simulate(BASELINE, runs=2, months=2, workers=1)
    assert len(validations) == 1


def test_compare_validates_each_scenario_once(validations: list[str], tmp_path: Path) -> None:
    others = [DATA / "enforce_x4.yaml", DATA / "shell_crisis.yaml"]
    compare(BASELINE, others, runs=2, months=3, workers=1, out=tmp_path / "cmp")
    assert len(validations) == 3
    assert len(set(validations)) == 3


def test_check_validates_once(validations: list[str], tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(
        f"extends: {BASELINE}\ntitle: t\nclaims:\n  - id: c\n    text: c\n"
        '    expr: \'min(tech_prk, "2023-08", "2023-09") >= 0\'\n',
        encoding="utf-8",
    )
    check_module.check_claims(path, runs=2, workers=1)
    assert len(validations) == 1


# ---------------------------------------------------------------------------------------------
# The manifest records what was run
# ---------------------------------------------------------------------------------------------


def test_manifest_records_the_overrides_applied(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["run", str(BASELINE), "-n", "2", "-m", "2", "--set", "war.fire_rate=9000", "--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == ["war.fire_rate=9000"]
    assert manifest["config"]["war"]["fire_rate"] == 9000
    assert (manifest["config"]["runs"], manifest["config"]["months"]) == (2, 2)
    # a scenario loaded with overrides carries them into the manifest too (check, predictions, API)
    loaded = load_scenario(BASELINE, ["economy.noise_sd=0.001"])
    assert simulate(loaded, runs=1, months=1, workers=1).manifest["overrides"] == ["economy.noise_sd=0.001"]
    # and a replay keeps them, with the same configuration
    again = replay(out, workers=1)
    assert again.manifest["overrides"] == ["war.fire_rate=9000"]
    assert again.manifest["config_hash"] == manifest["config_hash"]


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------


def _imports(folder: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        out[str(path.relative_to(SRC))] = names
    return out


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("analysis", ("sanctionsim.experiments", "sanctionsim.cli", "sanctionsim.report")),
        ("results", ("sanctionsim.analysis", "sanctionsim.experiments", "sanctionsim.model")),
        ("scenario", ("sanctionsim.experiments", "sanctionsim.analysis", "sanctionsim.results")),
    ],
)
def test_lower_layers_do_not_import_higher_ones(layer: str, forbidden: tuple[str, ...]) -> None:
    bad = {
        file: sorted(m for m in modules if m.startswith(forbidden))
        for file, modules in _imports(SRC / layer).items()
        if any(m.startswith(forbidden) for m in modules)
    }
    assert bad == {}, f"{layer} imports a higher layer: {bad}"


def _calls(attribute: str, *, on: str | None = None) -> list[str]:
    """Files of the package that use ``.attribute`` (of the name ``on``, if given)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = on is None or (isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == on)
            if isinstance(node, ast.Attribute) and node.attr == attribute and named:
                found.append(str(path.relative_to(SRC)))
    return sorted(set(found))


def test_only_atomic_renames_into_place() -> None:
    assert _calls("rename") == ["atomic.py"]
    assert _calls("replace", on="os") == ["atomic.py"]
    assert _calls("rmtree") == ["atomic.py"]


def test_only_the_fields_module_walks_the_schema() -> None:
    assert _calls("model_fields") == ["scenario/fields.py"]


# ---------------------------------------------------------------------------------------------
# The atomic folder
# ---------------------------------------------------------------------------------------------


def test_atomic_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_folder(target) as tmp:
        (tmp / "a.txt").write_text("a")
        assert tmp.name.startswith(".out.tmp-")
        assert target.is_dir() and not any(target.iterdir()), "the name is claimed, empty, while writing"
    assert (target / "a.txt").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with pytest.raises(FileExistsError), atomic_folder(target):
        pass
    with pytest.raises(RuntimeError, match="boom"), atomic_folder(tmp_path / "other") as tmp:
        (tmp / "b.txt").write_text("b")
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "nothing is left of a failed folder"


def test_atomic_folder_can_replace(tmp_path: Path) -> None:
    target = tmp_path / "figs"
    target.mkdir()
    (target / "old.png").write_bytes(b"old")
    folder = AtomicFolder(target, replace=True)
    tmp = folder.open()
    (tmp / "new.png").write_bytes(b"new")
    assert (target / "old.png").exists()
    folder.commit()
    assert sorted(p.name for p in target.iterdir()) == ["new.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs"]


def test_the_spec_is_what_experiments_export() -> None:
    from sanctionsim import experiments

    assert experiments.RunSpec is RunSpec
    assert not hasattr(experiments, "prepare")
