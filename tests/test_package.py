"""The installable package: scenarios, data and ``py.typed`` ship in the wheel, names resolve from any
folder, and the scenario JSON Schema validates scenario files.

The wheel test builds the wheel from a copy of the source (``pip wheel --no-build-isolation
--no-index``: nothing is downloaded; setuptools comes from the dev extra), installs it with
``--no-deps --no-index`` into a fresh venv made with this Python, whose dependencies are the
project environment's site-packages (added by a ``.pth`` file, without the editable install), and
runs ``ss.simulate("baseline", runs=4)`` and the ``sanctionsim`` script from an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sanctionsim as ss
from sanctionsim.analysis.observations import SHIPPED, find_observations
from sanctionsim.cli.app import app
from sanctionsim.resources import data_root, packaged, scenarios_root
from sanctionsim.scenario import ScenarioError, load_scenario
from sanctionsim.scenario.json_schema import scenario_json_schema
from sanctionsim.scenario.library import catalogue, find_scenario, search_folders
from sanctionsim.scenario.loader import read_yaml
from tests.conftest import BASELINE, ROOT

runner = CliRunner()
LIBRARY = sorted(p.relative_to(ROOT / "scenarios").as_posix() for p in (ROOT / "scenarios").rglob("*.yaml"))


def invoke(*args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------------------------------------
# The package's names, imported on first use
# ---------------------------------------------------------------------------------------------


def test_importing_the_package_or_the_script_entry_loads_no_heavy_library() -> None:
    """``import sanctionsim`` and the script's entry are fast: numpy, pandas and typer wait for use."""
    heavy = ("numpy", "pandas", "typer", "sanctionsim.experiments")
    code = (
        "import sys, sanctionsim, sanctionsim.cli.entry\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
        "from sanctionsim import simulate\n"
        "print(simulate.__module__, 'numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "sanctionsim.experiments.ensemble True"]


def test_every_public_name_resolves_and_is_listed() -> None:
    for name in ss.__all__:
        assert getattr(ss, name) is not None, name
    assert set(ss.__all__) <= set(dir(ss))
    assert ss.simulate is ss.experiments.simulate and ss.ScenarioError is ScenarioError
    with pytest.raises(AttributeError, match="has no attribute 'simulat'"):
        _ = ss.simulat  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Package data and the checkout
# ---------------------------------------------------------------------------------------------


def test_the_checkout_links_scenarios_and_data_to_the_package_data() -> None:
    assert (ROOT / "scenarios").resolve() == scenarios_root().resolve()
    assert (ROOT / "data").resolve() == data_root().resolve()
    assert packaged(BASELINE) and packaged(SHIPPED)
    assert (
        sorted(p.relative_to(scenarios_root()).as_posix() for p in scenarios_root().rglob("*.yaml"))
        == LIBRARY
    )


def test_a_name_reaches_the_packaged_library_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no scenarios/ here
    assert search_folders() == [scenarios_root()]
    assert (
        find_scenario("analysts/oil-for-labour").resolve()
        == (BASELINE.parent / "analysts" / "oil-for-labour.yaml").resolve()
    )
    assert set(catalogue()) == {name.removesuffix(".yaml") for name in LIBRARY}
    scenario = ss.load_scenario(find_scenario("policies/full-pressure"))
    assert scenario.name == "policies/full-pressure"
    assert ss.load_scenario("policies/full-pressure").config == scenario.config  # load_scenario takes names
    with pytest.raises(ScenarioError, match=r"nope\.yaml: file not found"):
        ss.load_scenario("nope.yaml")
    code, out, _ = invoke("list", "--json")
    assert code == 0 and {e["name"] for e in json.loads(out)} == {n.removesuffix(".yaml") for n in LIBRARY}


def test_names_resolve_from_scenarios_then_root_then_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mine, other = tmp_path / "scenarios", tmp_path / "other"
    (mine / "policies").mkdir(parents=True)
    other.mkdir()
    (mine / "policies" / "full-pressure.yaml").write_text(
        "extends: baseline\ntitle: Mine\n", encoding="utf-8"
    )
    (other / "policies").mkdir()
    (other / "policies" / "full-pressure.yaml").write_text(
        "extends: baseline\ntitle: Other\n", encoding="utf-8"
    )
    (other / "extra.yaml").write_text("extends: baseline\ntitle: Extra\n", encoding="utf-8")
    # ./scenarios first, then --root, then the packaged library
    assert load_scenario(find_scenario("policies/full-pressure", root=other)).config.title == "Mine"
    assert load_scenario(find_scenario("extra", root=other), root=other).config.title == "Extra"
    assert find_scenario("shocks/ceasefire", root=other).resolve().is_relative_to(scenarios_root().resolve())
    # the same through the CLI: show takes --root
    code, out, _ = invoke("show", "extra", "--root", other, "--json")
    assert code == 0 and json.loads(out)["title"] == "Extra"
    code, out, _ = invoke("show", "policies/full-pressure", "--json")
    assert code == 0 and json.loads(out)["title"] == "Mine"
    code, _, err = invoke("show", "nowhere-to-be-found")
    assert code == 2 and "scenarios/" in err and "Known scenarios" in err
    # run and compare take --root too, and extends: names are looked up there
    (other / "deep").mkdir()
    (other / "deep" / "child.yaml").write_text("extends: extra\ntitle: Child of extra\n", encoding="utf-8")
    assert load_scenario(other / "deep" / "child.yaml", root=other).resolved["title"] == "Child of extra"
    with pytest.raises(ScenarioError, match="cannot find the base scenario 'extra'"):
        load_scenario(other / "deep" / "child.yaml")  # without --root, nothing says where 'extra' is
    code, out, err = invoke(
        "run", "deep/child", "--root", other, "-n", "2", "-m", "2", "-w", "1", "-o", "r", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["scenario"] == "deep/child"
    code, out, err = invoke(
        "compare",
        "extra",
        "deep/child",
        "--root",
        other,
        "-n",
        "2",
        "-m",
        "2",
        "-w",
        "1",
        "-o",
        "c",
        "--json",
    )
    assert code == 0, err


def test_extends_baseline_works_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # neither the file's folder nor the working directory has a baseline
    folder = tmp_path / "my" / "work"
    folder.mkdir(parents=True)
    child = folder / "war.yaml"
    child.write_text("extends: baseline\ntitle: Hotter war\nwar: {fire_rate: 30000}\n", encoding="utf-8")
    scenario = load_scenario(child)
    assert scenario.config.title == "Hotter war" and scenario.config.war.fire_rate == 30000
    assert scenario.config.actors == load_scenario(BASELINE).config.actors
    chained = folder / "chained.yaml"  # a library scenario that itself extends the baseline
    chained.write_text("extends: analysts/oil-for-labour\ntitle: Chained\n", encoding="utf-8")
    assert (
        load_scenario(chained).config.events
        == load_scenario(find_scenario("analysts/oil-for-labour")).config.events
    )
    code, out, _ = invoke("show", child, "--json")
    assert code == 0 and json.loads(out)["war"]["fire_rate"] == 30000


def test_extends_outside_the_folders_is_still_refused_with_the_package_among_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.yaml").write_text("title: secret\n", encoding="utf-8")
    child = tmp_path / "mine" / "child.yaml"
    child.parent.mkdir()
    # from the packaged library's folder, ../../.. climbs out of it: refused, not read
    escape = os.path.relpath(tmp_path / "secret.yaml", scenarios_root())
    child.write_text(f"extends: {escape}\ntitle: t\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="outside the folders a scenario may extend from"):
        load_scenario(child)


def test_observations_are_found_by_their_packaged_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (
        "data/observations/in-sample_to_2024-06.csv",
        "in-sample_to_2024-06.csv",
        "in-sample_to_2024-06",
    ):
        assert find_observations(name).resolve() == SHIPPED.resolve()
    assert find_observations("missing.csv") == Path("missing.csv")
    assert ss.load_observations("in-sample_to_2024-06").targets
    with pytest.raises(FileNotFoundError, match=r"missing\.csv: observations file not found"):
        ss.load_observations("missing.csv")


def test_a_fitted_scenario_of_the_installed_library_goes_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sanctionsim.experiments.fitted import fitted_path

    oil = load_scenario(find_scenario("analysts/oil-for-labour"))
    monkeypatch.chdir(ROOT)  # a checkout: scenarios/ is the packaged library, the file goes beside
    assert fitted_path(oil, None).resolve() == oil.path.resolve().with_name("oil-for-labour-fitted.yaml")
    monkeypatch.chdir(tmp_path)  # elsewhere, the package's folder is not written to
    assert fitted_path(oil, None) == Path("scenarios/analysts/oil-for-labour-fitted.yaml")


# ---------------------------------------------------------------------------------------------
# The scenario JSON Schema
# ---------------------------------------------------------------------------------------------


def test_schema_command_writes_the_json_schema_of_scenario_files(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "scenario.schema.json"
    code, stdout, _ = invoke("schema", "-o", out)
    assert code == 0 and str(out) in stdout
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert schema == json.loads(json.dumps(scenario_json_schema()))
    code, printed, _ = invoke("schema")
    assert code == 0 and json.loads(printed) == schema
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    def problems(data: dict) -> list[str]:
        return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]

    for name in LIBRARY:  # every shipped scenario, a base or one that extends, read as YAML 1.2 (editors)
        assert problems(read_yaml(ROOT / "scenarios" / name)) == [], name
    base = read_yaml(BASELINE)
    assert any("monthz" in p for p in problems({**base, "monthz": 3}))  # unknown key
    assert any(p.startswith("months:") for p in problems({**base, "months": "three"}))  # wrong type
    assert any(p.startswith("war.fire_rate:") for p in problems({**base, "war": {"fire_rate": -1}}))  # range
    assert any(
        "'actors' is a required property" in p
        for p in problems({k: v for k, v in base.items() if k != "actors"})
    )
    # a file that extends states only what it changes, nested mappings included
    assert problems({"extends": "baseline", "actors": {"PRK": {"gdp": 2.0e10}}}) == []
    assert any(
        "'stok' was unexpected" in p
        for p in problems({"extends": "baseline", "actors": {"PRK": {"goods": {"shells": {"stok": 1}}}}})
    )
    described = schema["$defs"]["Actor"]["properties"]["gdp"]
    assert described["description"] == "GDP at the start [USD/year]"  # hover text, from the one schema


# ---------------------------------------------------------------------------------------------
# The wheel, installed into a fresh venv
# ---------------------------------------------------------------------------------------------


def _run(command: list[object], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_NO_INDEX="1", PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1", MPLBACKEND="Agg")
    proc = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env=env, timeout=600, check=False, **kwargs
    )
    assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_the_wheel_installs_into_a_fresh_venv_and_runs_the_baseline_from_any_folder(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools (the dev extra)")
    source = tmp_path / "source"  # a copy: the build writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", wheels, source])  # fmt: skip
    (wheel,) = wheels.glob("sanctionsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"sanctionsim/resources/scenarios/{n}" for n in LIBRARY} | {
        "sanctionsim/py.typed",
        "sanctionsim/resources/data/observations_to_2024-06.csv",
        "sanctionsim/resources/data/observations/in-sample_to_2024-06.csv",
    }
    assert shipped <= names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = Path(
        _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )
    # the dependencies: this environment's site-packages, whose .pth files (the editable install) stay unread
    paths = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "project_dependencies.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.yaml").write_text("extends: baseline\ntitle: Mine\nmonths: 3\n", encoding="utf-8")
    script = (
        "import json, sanctionsim as ss\n"
        "from importlib import metadata\n"
        "from sanctionsim.scenario.library import find_scenario\n"
        "r = ss.simulate('baseline', runs=4)\n"
        "mine = ss.simulate(ss.load_scenario('mine.yaml'), runs=2, workers=1)\n"
        "print(json.dumps({'module': ss.__file__, 'baseline': str(find_scenario('baseline')),\n"
        "    'replicates': int(r.metrics['replicate'].nunique()),\n"
        "    'months': int(r.metrics['month'].nunique()),\n"
        "    'mine': [mine.manifest['scenario'], int(mine.metrics['month'].nunique())],\n"
        "    'version': metadata.version('sanctionsim')}))\n"
    )
    report = json.loads(_run([python, "-c", script], cwd=elsewhere).stdout)
    installed = site / "sanctionsim"
    assert Path(report["module"]).parent == installed  # the wheel's copy, not the checkout's
    assert Path(report["baseline"]) == installed / "resources" / "scenarios" / "baseline.yaml"
    baseline = load_scenario(BASELINE).config
    assert report["replicates"] == 4 and report["months"] == baseline.months
    assert report["mine"] == ["mine", 3]
    assert (installed / "py.typed").is_file()

    script_bin = venv / "bin" / "sanctionsim"
    assert _run([script_bin, "--version"], cwd=elsewhere).stdout.strip() == f"sanctionsim {report['version']}"
    assert report["version"] == ss.__version__
    out = _run(
        [script_bin, "run", "baseline", "-n", "2", "-m", "2", "-w", "1", "-o", "r", "--json"], cwd=elsewhere
    )
    assert json.loads(out.stdout)["runs"] == 2 and (elsewhere / "r" / "manifest.json").is_file()
