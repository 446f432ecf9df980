"""Hostile input, runaway runs, killed processes and nothing lost (issue 13; docs/robustness.md).

Each test here backs one row of docs/robustness.md: the input tried and what the tool does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sanctionsim as ss
from sanctionsim.cli.app import app
from sanctionsim.cli.run import default_out
from sanctionsim.experiments import ensemble as ensemble_module
from sanctionsim.experiments import estimate as estimate_module
from sanctionsim.experiments.estimate import DISK_BYTES_PER_REPLICATE_MONTH, estimate
from sanctionsim.experiments.spec import run_spec
from sanctionsim.interrupts import NOTHING_WRITTEN
from sanctionsim.scenario import ScenarioError, ScenarioWarning, load_scenario
from sanctionsim.scenario.bounded import MAX_FILE_BYTES, LimitError, load_bounded
from tests.conftest import BASELINE, ROOT

SANCTIONSIM = Path(sys.executable).with_name("sanctionsim")
DATA = ROOT / "tests" / "data"


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def one_error(stderr: str) -> str:
    """The single ``error:`` line of stderr (other lines may only be warnings)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and all(line.startswith(("error: ", "warning: ")) for line in lines), stderr
    return errors[0]


def scenario(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(f"extends: {BASELINE}\n{text}", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# 1. Scenario files are data: finite numbers, bounded YAML, confined extends
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("war:\n  fire_rate: .inf\n", "war.fire_rate"),
        ("actors:\n  PRK:\n    gdp: .nan\n", "actors.PRK.gdp"),
        ("uncertainties:\n  war.fire_rate: {low: 1, high: .inf}\n", "uncertainties.war.fire_rate.high"),
        (
            "events:\n  - {name: x, at: '2024-01', scale: {war.intensity: -.inf}}\n",
            "scale.war.intensity",  # events.<i>: the baseline's events come first
        ),
    ],
)
def test_non_finite_numbers_in_a_file_are_refused(tmp_path: Path, text: str, key: str) -> None:
    code, _, err = invoke("run", scenario(tmp_path, text), "-n", "2", "-m", "2", "-o", tmp_path / "out")
    assert code == 2
    assert f"{tmp_path / 's.yaml'}" in one_error(err) or "s.yaml" in one_error(err)
    assert key in one_error(err) and "finite" in one_error(err)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e400"])
def test_non_finite_set_values_are_refused(tmp_path: Path, value: str) -> None:
    code, _, err = invoke(
        "run", BASELINE, "-n", "2", "--set", f"actors.PRK.gdp={value}", "-o", tmp_path / "o"
    )
    assert code == 2 and one_error(err).startswith("error: --set: actors.PRK.gdp: got")
    assert not (tmp_path / "o").exists()


def test_a_run_that_overflows_fails_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "results" / "o"
    code, stdout, err = invoke(
        "run", BASELINE, "-n", "2", "-m", "3", "-w", "1", "--set", "war.fire_rate=1e308", "-o", out, "--json"
    )
    assert code == 2 and stdout == ""
    assert "not a finite number" in one_error(err) and "war_demand_rus" in one_error(err)
    assert not out.exists() and list(out.parent.iterdir()) == []


def _bomb(levels: int = 9) -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (_bomb(), "expands to more than 100,000 values"),
        ("a: &a [1, *a]\n", "an alias refers to a mapping or list that contains it"),
        ("a: " + "[" * 60 + "]" * 60 + "\n", "nest more than 50 deep"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nest too deep"),
    ],
)
def test_yaml_bombs_are_refused_before_objects_are_built(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text("title: t\n" + text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=fragment):
        load_scenario(path)
    code, _, err = invoke("show", path)
    assert code == 2 and fragment in one_error(err)


def test_aliases_within_the_bound_still_work(tmp_path: Path) -> None:
    path = scenario(tmp_path, "title: &t Aliased\ndescription: *t\n")
    assert load_scenario(path).config.description == "Aliased"


def test_an_alias_bomb_in_set_is_refused() -> None:
    bomb = (
        "["
        + ", ".join(["&a [x, x, x, x, x, x, x, x, x, x]", "[*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]"])
        + "]"
    )
    nested = "&b " + bomb
    value = f"[{nested}, " + ", ".join(["*b"] * 10) + "]"
    deep = value
    for i in range(4):
        deep = f"[&c{i} {deep}, " + ", ".join([f"*c{i}"] * 9) + "]"
    with pytest.raises(LimitError):
        load_bounded(deep)
    code, _, err = invoke("show", BASELINE, "--set", f"description={deep}")
    assert code == 2 and "too large" in one_error(err)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"title: t\n" + b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(ScenarioError, match=f"limited to {MAX_FILE_BYTES:,}"):
        load_scenario(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(fifo)
    child = scenario(tmp_path, "", name="child.yaml")
    child.write_text("extends: pipe.yaml\ntitle: t\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"cannot find the base scenario 'pipe\.yaml'"):
        load_scenario(child)  # a FIFO is not a scenario file: never opened


@pytest.mark.parametrize(
    "target", ["/etc/passwd", "/etc/hostname.yaml", "../../../../../../etc/passwd", "../outside.yaml"]
)
def test_extends_outside_the_allowed_folders_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.chdir(tmp_path)  # no scenarios/ folder in the working directory
    (tmp_path / "outside.yaml").write_text("title: secret\n", encoding="utf-8")
    folder = tmp_path / "mine"
    folder.mkdir()
    child = folder / "child.yaml"
    child.write_text(f"extends: {target}\ntitle: t\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert info.value.key_path == "extends"
    assert "outside the folders a scenario may extend from" in str(info.value)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.yaml").write_text("title: secret\n", encoding="utf-8")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    child = folder / "child.yaml"
    child.write_text("extends: link\ntitle: t\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="outside the folders"):
        load_scenario(child)


def test_extends_within_the_allowed_folders_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the library's own ../baseline.yaml, tests/data's ../../scenarios/baseline.yaml (the working
    # directory's scenarios/ folder) and an absolute path into it
    assert load_scenario(ROOT / "scenarios" / "shocks" / "ceasefire.yaml").config.title
    assert load_scenario(DATA / "enforce_x4.yaml").config.title
    assert load_scenario(scenario(tmp_path, "title: abs\n")).config.title == "abs"
    # a non-YAML file inside the folders is not a scenario
    (tmp_path / "notes.txt").write_text("title: x\n", encoding="utf-8")
    child = tmp_path / "c.yaml"
    child.write_text("extends: notes.txt\ntitle: t\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="is not a scenario file"):
        load_scenario(child)


def _observations_file(folder: Path, name: str, content: str | int) -> Path:
    """An observations file: text, or (an int) a sparse file of that many bytes (a header, then zeros)."""
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        with path.open("wb") as fh:
            fh.write(b"id,value\n")
            fh.truncate(content)
    return path


HOSTILE_OBSERVATIONS = [
    ("bomb.yaml", _bomb(), "expands to more than 100,000 values"),
    ("loop.yaml", "a: &a [1, *a]\n", "an alias refers to a mapping or list that contains it"),
    ("deep.yaml", "[" * 100_000 + "]" * 100_000 + "\n", "nest too deep to read"),
    ("nested.yaml", "[" * 60 + "]" * 60 + "\n", "nest more than 50 deep"),
    ("big.csv", 60_000_000, "the file has 60,000,000 bytes; observations files are limited to 1,000,000"),
    ("big.yaml", 2_000_000, "the file has 2,000,000 bytes; observations files are limited to 1,000,000"),
]


@pytest.mark.parametrize(("name", "content", "fragment"), HOSTILE_OBSERVATIONS)
def test_hostile_observations_files_are_refused_in_one_line(
    tmp_path: Path, name: str, content: str | int, fragment: str
) -> None:
    path = _observations_file(tmp_path, name, content)
    with pytest.raises(ValueError, match="^" + str(path).replace(".", r"\.") + ": ") as info:
        ss.load_observations(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    for command in (
        ["validate", BASELINE, "-O", path, "-n", "2", "-w", "1", "--no-figure"],
        ["calibrate", BASELINE, "-O", path, "--param", "war.fire_rate=1:2", "-o", tmp_path / "fit.yaml"],
        ["backtest", BASELINE, "-O", path, "--cutoff", "2024-01", "-n", "2", "--no-figure"],
    ):
        code, out, err = invoke(*command)
        line = one_error(err)
        assert code == 2 and out == "" and str(path) in line and fragment in line, (command, err)
    assert not (tmp_path / "fit.yaml").exists()


@pytest.mark.parametrize(("name", "content", "fragment"), [HOSTILE_OBSERVATIONS[0], HOSTILE_OBSERVATIONS[4]])
def test_hostile_observations_files_are_refused_in_bounded_memory(
    tmp_path: Path, name: str, content: str | int, fragment: str
) -> None:
    path = _observations_file(tmp_path, name, content)
    tracemalloc.start()  # Python's own allocations; the bomb once took 1.19 GB, the CSV was read whole
    try:
        with pytest.raises(ValueError, match=fragment):
            ss.load_observations(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"{peak:,} bytes"


def test_set_of_an_unknown_actor_blames_set(tmp_path: Path) -> None:
    code, _, err = invoke("run", BASELINE, "--set", "actors.XYZ.gdp=1", "-o", tmp_path / "o")
    line = one_error(err)
    assert code == 2 and line.startswith("error: --set: actors.XYZ: 'XYZ' is not in the scenario")
    assert "baseline.yaml" not in line and "RUS, PRK, CHN, BLOC" in line


def test_start_months_stay_within_the_dates_results_can_hold() -> None:
    with pytest.raises(ScenarioError, match="from 1900-01 to 2199-12"):
        load_scenario(BASELINE, ["start=9999-12"])


# ---------------------------------------------------------------------------------------------
# 3. Processes: Ctrl-C, SIGTERM, a killed parent; --yes above a size
# ---------------------------------------------------------------------------------------------

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _state(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of a live process, or None when it is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return None if fields[0] in "ZX" else (int(fields[1]), fields[0])


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (state := _state(int(entry.name))) is not None and state[0] == pid:
            out.append(int(entry.name))
    return out


def _wait_for(condition, what: str, limit: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``condition()`` holds (a generous limit only guards against a hang)."""
    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def big_run(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[int], Path]]:
    """A run with two worker processes, in its own process group, once its workers have started."""
    out = tmp_path / "results" / "big"
    out.parent.mkdir()
    proc = subprocess.Popen(
        # batches of 2,000 runs: the interrupts below come before any batch can finish
        [
            str(SANCTIONSIM),
            "run",
            str(BASELINE),
            "-n",
            "4000",
            "-w",
            "2",
            "--batch-size",
            "2000",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=ROOT,
    )
    try:
        _wait_for(lambda: len(_children(proc.pid)) >= 2, "the workers to start")
        yield proc, _children(proc.pid), out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


@needs_proc
@pytest.mark.parametrize(("how", "code"), [("ctrl-c", 130), ("sigterm", 143)])
def test_an_interrupt_prints_one_line_and_leaves_nothing(
    big_run: tuple[subprocess.Popen[str], list[int], Path], how: str, code: int
) -> None:
    proc, workers, out = big_run
    if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground group, workers included
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate()
    assert proc.returncode == code
    assert stderr.strip() == "interrupted; nothing written", stderr
    assert list(out.parent.iterdir()) == [], "no results folder, claim or temporary folder is left"
    _wait_for(lambda: all(_state(w) is None for w in workers), "the workers to exit")


def _catches(pid: int, signum: int) -> bool:
    """Whether a live process has installed a handler for the signal (``SigCgt`` in /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (signum - 1) & 1)


@needs_proc
@pytest.mark.parametrize(("how", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("script", ["sanctionsim", "python -m sanctionsim.cli"])
def test_an_interrupt_while_the_command_starts_prints_one_line(
    tmp_path: Path, how: int, code: int, script: str
) -> None:
    """Ctrl-C or SIGTERM in the seconds the imports take: one line and 130/143, never a traceback.

    Each process is signalled once its SIGTERM handler is in place (the script installs it before
    the slow imports), then after a delay; whenever the signal lands, the outcome must be the same.
    """
    command = [str(SANCTIONSIM)] if script == "sanctionsim" else [sys.executable, "-m", "sanctionsim.cli"]
    during_imports = []
    for delay in (0.0, 0.1, 0.3):
        out = tmp_path / f"o{delay}"
        proc = subprocess.Popen(
            [*command, "run", str(BASELINE), "-n", "2", "-m", "2", "-w", "1", "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        try:
            _wait_for(lambda p=proc: _catches(p.pid, signal.SIGTERM) or p.poll() is not None, "the handler")
            # pyarrow is among the last libraries the command loads: not mapped yet, still importing
            during_imports.append("pyarrow" not in Path(f"/proc/{proc.pid}/maps").read_text())
            time.sleep(delay)
            proc.send_signal(how)
            _, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == code, (delay, proc.returncode, stderr)
        assert stderr == "interrupted; nothing written\n", (delay, stderr)
        assert not out.exists()
    assert during_imports[0], "the handler is installed before the imports load"


@needs_proc
def test_workers_die_with_their_parent(big_run: tuple[subprocess.Popen[str], list[int], Path]) -> None:
    proc, workers, _ = big_run
    os.kill(proc.pid, signal.SIGKILL)  # what an out-of-memory killer does: no handler runs
    proc.communicate()
    _wait_for(lambda: all(_state(w) is None for w in workers), "the orphaned workers to exit")


def test_large_runs_need_yes_after_an_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = invoke("run", BASELINE, "--runs", "10000000", "-o", tmp_path / "o")
    line = one_error(err)
    assert code == 2 and "360,000,000 replicate-months" in line and "--yes" in line
    assert " h on " in line and "of memory" in line and "GB on disk" in line
    assert not (tmp_path / "o").exists()
    monkeypatch.setattr(estimate_module, "LARGE_RUN", 10)  # make a tiny run "large"
    code, _, err = invoke("run", BASELINE, "-n", "2", "-m", "6", "-w", "1", "-o", tmp_path / "o")
    assert code == 2 and "12 replicate-months" in one_error(err)
    code, _, err = invoke("run", BASELINE, "-n", "2", "-m", "6", "-w", "1", "-o", tmp_path / "o", "--yes")
    assert code == 0 and "estimate: 12 replicate-months" in err
    for args in (
        ["compare", BASELINE, BASELINE, "-n", "2", "-m", "6", "-o", tmp_path / "c"],
        ["check", "analysts/oil-for-labour", "-n", "2"],
        ["replay", tmp_path / "o", "-o", tmp_path / "r"],
    ):
        code, _, err = invoke(*args)
        assert code == 2 and "need --yes" in one_error(err), args


def test_the_disk_estimate_is_honest(tmp_path: Path) -> None:
    for record in ("full", "flows", "metrics"):
        results = ensemble_module.simulate(
            BASELINE, runs=20, months=36, workers=1, out=tmp_path / record, record=record
        )
        size = sum(p.stat().st_size for p in results.path.rglob("*") if p.is_file())  # type: ignore[union-attr]
        expected = estimate(runs=20, months=36, workers=1, record=record).disk_bytes
        assert expected == 20 * 36 * DISK_BYTES_PER_REPLICATE_MONTH[record]
        assert 0.5 < size / expected < 2.0, (record, size, expected)
    cheap, dear = estimate(runs=100, months=36), estimate(runs=100_000, months=36)
    assert dear.seconds > cheap.seconds and dear.disk_bytes > cheap.disk_bytes
    assert estimate(runs=100, months=36, in_memory=True).disk_bytes == 0


# ---------------------------------------------------------------------------------------------
# 4. Results folders: names, claims, errors, tampering
# ---------------------------------------------------------------------------------------------


def test_default_names_do_not_collide() -> None:
    names = {default_out("baseline") for _ in range(200)}
    assert len(names) == 200
    assert all(p.parent.name == "results" and p.name.startswith("baseline-") for p in names)


def test_two_runs_started_together_both_finish(tmp_path: Path) -> None:
    command = [str(SANCTIONSIM), "run", str(BASELINE), "-n", "4", "-m", "3", "-w", "1"]
    procs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate()
        assert proc.returncode == 0, err
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 2 and all((f / "manifest.json").is_file() for f in folders)


def test_the_name_is_claimed_before_simulating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    out.mkdir()  # another run has claimed this name (it is empty while that run works)

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing may be simulated when the name is taken")

    monkeypatch.setattr(ensemble_module, "run_batch", no_run)
    code, _, err = invoke("run", BASELINE, "-n", "2", "-m", "2", "-w", "1", "-o", out)
    assert code == 2 and "exists; pass another --out" in one_error(err)
    code, _, err = invoke("plot", out)
    assert code == 2 and "is empty: a run is writing it" in one_error(err)


def test_writing_into_a_file_or_an_unwritable_folder_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, _, err = invoke("run", BASELINE, "-n", "2", "-m", "2", "-o", afile / "sub")
    assert (
        code == 2
        and one_error(err) == f"error: cannot create {afile / 'sub'}: {afile} is a file, not a folder"
    )
    assert afile.read_text() == "x"

    real_mkdir = Path.mkdir

    def denied(self: Path, *args: object, **kwargs: object) -> None:
        if self.name == "locked":
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", denied)
    code, _, err = invoke("run", BASELINE, "-n", "2", "-m", "2", "-o", tmp_path / "locked")
    assert code == 2 and one_error(err) == f"error: cannot create {tmp_path / 'locked'}: permission denied"


def test_report_into_an_unwritable_place_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    assert invoke("run", BASELINE, "-n", "2", "-m", "2", "-w", "1", "-o", out)[0] == 0
    code, _, err = invoke("report", out, "-o", tmp_path / "afile" / "r.html")
    assert code == 0  # a missing folder is made
    (tmp_path / "blocker").write_text("x")
    code, _, err = invoke("report", out, "-o", tmp_path / "blocker" / "r.html")
    assert code == 2 and "is a file, not a folder" in one_error(err)

    real_mkstemp = tempfile.mkstemp

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        if Path(str(kwargs.get("dir"))).name == "ro":
            raise PermissionError(13, "Permission denied", str(tmp_path / "ro"))
        return real_mkstemp(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    code, _, err = invoke("report", out, "-o", tmp_path / "ro" / "r.html")
    assert code == 2 and one_error(err).startswith(f"error: cannot write {tmp_path / 'ro' / 'r.html'}: ")
    assert "permission denied" in one_error(err)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "run"
    assert invoke("run", BASELINE, "-n", "3", "-m", "3", "-w", "1", "-o", out)[0] == 0
    return out


def _tampered(source: Path, folder: Path, change) -> Path:  # type: ignore[no-untyped-def]
    copy = folder / "copy"
    shutil.copytree(source, copy)
    change(copy)
    return copy


def _edit_manifest(edit):  # type: ignore[no-untyped-def]
    def change(folder: Path) -> None:
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text())
        edit(manifest)
        path.write_text(json.dumps(manifest))

    return change


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (_edit_manifest(lambda m: m["config"]["war"].update(fire_rate=1)), "config_hash does not match"),
        (_edit_manifest(lambda m: m.update(seed=m["seed"] + 1)), "run_hash does not match the recorded run"),
        (_edit_manifest(lambda m: m.update(months=m["months"] - 1)), "run_hash does not match"),
        (_edit_manifest(lambda m: m.update(schema_version=99)), "schema_version 99, but this sanctionsim"),
        (_edit_manifest(lambda m: m.pop("schema_version")), "has no schema_version"),
        (
            lambda f: (f / "metrics.parquet" / "part-000000.parquet").open("ab").write(b"x"),
            "does not match the checksum",
        ),
        (
            lambda f: (f / "metrics.parquet" / "part-000099.parquet").write_bytes(b"x"),
            "is not in its manifest",
        ),
        (lambda f: (f / "manifest.json").write_text("[1, 2]"), "is not a results manifest"),
        (lambda f: (f / "manifest.json").write_text("{oops"), "is not valid JSON"),
        (lambda f: shutil.rmtree(f / "flows.parquet"), "flows.parquet is missing"),
    ],
)
def test_replay_and_report_refuse_a_tampered_or_incompatible_folder(
    finished_run: Path,
    tmp_path: Path,
    change,
    fragment: str,  # type: ignore[no-untyped-def]
) -> None:
    folder = _tampered(finished_run, tmp_path, change)
    for args in (["replay", folder, "-o", tmp_path / "r"], ["report", folder, "-o", tmp_path / "r.html"]):
        code, _, err = invoke(*args)
        assert code == 2 and fragment in one_error(err), (args, err)
    assert not (tmp_path / "r").exists() and not (tmp_path / "r.html").exists()


# ---------------------------------------------------------------------------------------------
# 5. No silent surprises
# ---------------------------------------------------------------------------------------------


def test_compare_with_different_horizons_asks_for_months(tmp_path: Path) -> None:
    longer = scenario(tmp_path, "title: longer\nmonths: 48\n")
    code, _, err = invoke("compare", BASELINE, longer, "-n", "2", "-o", tmp_path / "c")
    line = one_error(err)
    assert code == 2 and "baseline 36, s 48" in line and "--months" in line
    assert not (tmp_path / "c").exists()
    code, out, _ = invoke(
        "compare", BASELINE, longer, "-n", "2", "-m", "4", "-w", "1", "-o", tmp_path / "c", "--json"
    )
    assert code == 0 and json.loads(out)["months"] == 4


def test_events_outside_the_horizon_warn_at_load(tmp_path: Path) -> None:
    path = scenario(tmp_path, "events:\n  - {name: late, at: '2031-01', scale: {war.intensity: 2}}\n")
    with pytest.warns(ScenarioWarning, match=r"late \(2031-01\)"):
        run_spec(path)
    code, _, err = invoke("run", path, "-n", "2", "-m", "2", "-w", "1", "-o", tmp_path / "o")
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert (
        code == 0 and len(warnings) == 1 and "late (2031-01)" in warnings[0] and "never fire" in warnings[0]
    )


def _strict(text: str) -> object:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in --json output"))


def test_json_output_is_strict_json_with_null_for_missing(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "compare",
        BASELINE,
        BASELINE,
        *("-n", "3", "-m", "2", "-w", "1", "-o", tmp_path / "c", "--json"),
        *("--metrics", "troops_prk_in_rus,tie_rus_prk"),  # no troops in the first months: median 0
    )
    data = _strict(out)
    assert code == 0
    assert any(e["rel_change"] is None for e in data["effects"]), "a zero base median gives null, not NaN"
    saved = _strict((tmp_path / "c" / "comparison.json").read_text())
    assert saved["effects"] == data["effects"]
    for args in (
        ["run", BASELINE, "-n", "2", "-m", "2", "-w", "1", "-o", tmp_path / "r", "--json"],
        ["check", "analysts/oil-for-labour", "-n", "2", "-w", "1", "--json"],
        ["show", BASELINE, "--json"],
    ):
        code, out, _ = invoke(*args)
        assert code == 0 and _strict(out)


# ---------------------------------------------------------------------------------------------
# 6. The machine is left alone
# ---------------------------------------------------------------------------------------------


def test_predictions_leave_the_tracked_table_alone_when_the_numbers_do_not_change(tmp_path: Path) -> None:
    out = tmp_path / "predictions.md"
    args = ["predictions", "analysts/oil-for-labour", "-n", "3", "-w", "1", "--baseline", "", "-o", out]
    assert invoke(*args)[0] == 0
    first, stamp = out.read_bytes(), out.stat().st_mtime_ns
    assert invoke(*args)[0] == 0
    assert out.read_bytes() == first and out.stat().st_mtime_ns == stamp, (
        "an unchanged table is not rewritten"
    )
    assert b"generated" not in first and b"revision" not in first


def _fake_bin(folder: Path, *, uid: int, apt: str | None) -> dict[str, str]:
    """A PATH with a fake ``id`` and (if given) a fake ``apt-get`` that logs its arguments."""
    folder.mkdir()
    (folder / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    if apt is not None:
        (folder / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {folder / "apt.log"}\n{apt}\n')
    for tool in folder.iterdir():
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    for tool in ("sh", "grep", "cut", "tr", "tail", "printf", "cat"):
        if (found := shutil.which(tool)) and not (folder / tool).exists():
            (folder / tool).symlink_to(found)
    return {"PATH": str(folder), "CHROMIUM": "/nonexistent/chromium", "CHROMEDRIVER": "/nonexistent/driver"}


SIM_UPGRADE = (
    'case "$*" in *-s*) echo "Inst libc6 [2.36-9] (2.36-9+deb12u4 Debian)"; echo "Inst chromium (1)";; esac'
)
SIM_CLEAN = (
    'case "$*" in *-s*) echo "Inst chromium (120 Debian)"; echo "Inst chromium-driver (120 Debian)";; esac'
)


@pytest.mark.parametrize(
    ("uid", "apt", "installs", "says"),
    [
        (1000, SIM_CLEAN, False, "not root (make test never uses sudo)"),
        (0, None, False, "no apt-get on this machine"),
        (0, SIM_UPGRADE, False, "would upgrade installed packages (libc6)"),
        (0, SIM_CLEAN, True, "installing chromium chromium-driver with apt-get install --no-upgrade"),
    ],
)
def test_make_browser_never_upgrades_and_says_what_it_does(
    tmp_path: Path, uid: int, apt: str | None, installs: bool, says: str
) -> None:
    env = _fake_bin(tmp_path / "bin", uid=uid, apt=apt)
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "browser.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("browser: chromium or chromedriver is missing")  # said first
    assert says in done.stdout
    log_file = tmp_path / "bin" / "apt.log"
    log = log_file.read_text().splitlines() if log_file.exists() else []
    real = [line for line in log if line.startswith("install") and "-s" not in line.split()]
    assert all("--no-upgrade" in line for line in log if line.startswith("install"))
    assert not any(line.split()[0] == "upgrade" for line in log if line)
    assert bool(real) == installs
    if not installs:
        assert "the browser tests will be skipped" in done.stdout


# ---------------------------------------------------------------------------------------------
# 7. docs/robustness.md quotes real messages
# ---------------------------------------------------------------------------------------------

PAGE = ROOT / "docs" / "robustness.md"


def _quote(row: str, start: str) -> str:
    """The message quoted in backticks, beginning with ``start``, in the page's row about ``row``."""
    rows = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith(f"| {row}")]
    assert len(rows) == 1, f"docs/robustness.md has {len(rows)} rows starting {row!r}"
    quotes = [q for q in rows[0].split(" | ")[1].split("`")[1::2] if q.startswith(start)]
    assert len(quotes) == 1, f"the row {row!r} quotes no single message starting {start!r}"
    return quotes[0]


def _shows(quote: str, real: str) -> bool:
    """Whether ``real`` holds the quote, whose ``...`` stand for any text."""
    at = 0
    for part in (p.strip() for p in quote.split("...")):
        at = real.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def test_the_page_quotes_real_messages(finished_run: Path, tmp_path: Path) -> None:
    """A few rows' quoted messages are checked against the tool's output (one command each, fast)."""
    bomb = _observations_file(tmp_path, "bomb.yaml", _bomb())
    big = _observations_file(tmp_path, "big.csv", 60_000_000)
    manifest = _tampered(finished_run, tmp_path, _edit_manifest(lambda m: m.update(schema_version=99)))
    never = tmp_path / "never"
    inf = scenario(tmp_path, "war:\n  fire_rate: .inf\n")
    cases = [
        ("`fire_rate: .inf`", "s.yaml: war.fire_rate", ["run", inf, "-o", never]),
        ("`--set actors.XYZ.gdp=1`", "--set: actors.XYZ", ["show", BASELINE, "--set", "actors.XYZ.gdp=1"]),
        ("`--runs 10000000`", "360,000,000", ["run", BASELINE, "--runs", "10000000", "-w", "2", "-o", never]),
        ('YAML "billion laughs" as an observations', "bomb.yaml", ["validate", BASELINE, "-O", bomb]),
        ("An observations file over", "big.csv", ["validate", BASELINE, "-O", big]),
        ("A folder of another format version", "has schema_version 99", ["replay", manifest, "-o", never]),
    ]
    for row, start, args in cases:
        quote = _quote(row, start)
        code, _, err = invoke(*args)
        assert code == 2 and _shows(quote, one_error(err)), (row, quote, err)
    assert not never.exists()
    assert _quote("Ctrl-C or SIGTERM in the first seconds", "interrupted") == NOTHING_WRITTEN


def test_every_test_the_page_names_exists() -> None:
    names = set(re.findall(r"`(test_\w+)", PAGE.read_text(encoding="utf-8")))
    defined = {
        name
        for path in (ROOT / "tests").glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.M)
    }
    assert len(names) > 20 and names <= defined, sorted(names - defined)
