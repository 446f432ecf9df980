"""A CLI that fits: ``--version``, shell completion, help without type placeholders, tables that use the
full width when piped, ``plot --format/--dpi``, and readable metric labels (snake_case kept in ``--json``)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pytest
from rich.console import Console
from typer.main import get_command
from typer.testing import CliRunner

import sanctionsim
from sanctionsim.cli import common
from sanctionsim.cli.app import app
from sanctionsim.metrics import KEY_METRICS, REFERENCE_ACTORS, label
from tests.conftest import BASELINE

runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]
#: Typer's type placeholders: <bool>, <int>, <list[str]>, <path>, <int range> ...
PLACEHOLDER = re.compile(r"<(bool|int|float|str|path|list\[[^\]]*\]|[a-z]+ range)>")


def invoke(*args: object, **kwargs: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], **kwargs)  # type: ignore[arg-type]
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A tiny results folder and the table `run` printed for it (to a pipe)."""
    out = tmp_path_factory.mktemp("cli") / "run"
    code, stdout, err = invoke("run", BASELINE, "-n", "3", "-m", "3", "-w", "1", "-o", out)
    assert code == 0, err
    return out, stdout


# ---------------------------------------------------------------------------------------------
# --version, completion, help
# ---------------------------------------------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and out.strip() == f"sanctionsim {sanctionsim.__version__}"
    proc = subprocess.run(
        [sys.executable, "-m", "sanctionsim.cli", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"sanctionsim {sanctionsim.__version__}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "baseline", "--nope"], "error: No such option: --nope (see sanctionsim run --help)"),
        (["run", "baseline", "--runs", "abc"], "error: Invalid value for '--runs' / '-n': "),
        (["frobnicate"], "error: No such command 'frobnicate'. (see sanctionsim --help)"),
        (["run"], "error: Missing argument 'scenario'. (see sanctionsim run --help)"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args: list[str], expected: str) -> None:
    script = Path(sys.executable).with_name("sanctionsim")  # the installed command, as users type it
    proc = subprocess.run([str(script), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(expected), proc.stderr


def test_shell_completion_is_offered_and_completes_commands_and_choices() -> None:
    code, out, _ = invoke("--help")
    assert code == 0 and "--install-completion" in out and "--show-completion" in out
    command = Path(sys.executable).with_name("sanctionsim")  # the installed script, run from bash
    if shutil.which("bash") and command.is_file():  # the shell is detected from the parent process
        shown = subprocess.run(  # `; exit` keeps bash alive as the parent (no exec of the last command)
            ["bash", "-c", f"'{command}' --show-completion; exit $?"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert shown.returncode == 0 and "_SANCTIONSIM_COMPLETE=complete_bash" in shown.stdout

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_SANCTIONSIM_COMPLETE": "complete_bash", "COMP_WORDS": words}
        env["COMP_CWORD"] = str(len(words.split()) - (0 if words.endswith(" ") else 1))
        code = "import sys; sys.argv[0] = 'sanctionsim'; from sanctionsim.cli.app import main; main()"
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
        )
        return proc.stdout.split()

    assert complete("sanctionsim ru") == ["run"]
    assert complete("sanctionsim plot results --format ") == ["png", "svg", "pdf"]
    # scenario names, from the packaged library and from --root
    assert complete("sanctionsim run shocks/c") == ["shocks/ceasefire", "shocks/china-defects"]
    assert "policies/full-pressure" in complete("sanctionsim compare baseline pol")
    root = Path(__file__).parent / "data"
    assert "shell_crisis" in complete(f"sanctionsim validate --root {root} shell")


#: The arguments that name scenarios.
SCENARIO_ARGUMENTS = {"scenario", "base", "others", "a", "b", "scenarios"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_taking_a_scenario_takes_root_and_completes_names(command: str) -> None:
    cmd = get_command(app).commands[command]  # type: ignore[attr-defined]
    arguments = [p for p in cmd.params if p.param_type_name == "argument" and p.name in SCENARIO_ARGUMENTS]
    if not arguments:
        return
    options = {opt for p in cmd.params for opt in p.opts}
    assert "--root" in options, f"{command} takes a scenario but no --root"
    assert all(p._custom_shell_complete is not None for p in arguments), f"{command}: no name completion"


def test_validate_finds_a_base_under_root_and_refuses_huge_work_without_yes(tmp_path: Path) -> None:
    root = tmp_path / "team"
    root.mkdir()
    (root / "extra.yaml").write_text("extends: baseline\nwar: {intensity: 1.1}\n", encoding="utf-8")
    mine = tmp_path / "here.yaml"
    mine.write_text("extends: extra\n", encoding="utf-8")
    obs = tmp_path / "obs.csv"
    obs.write_text(
        "id,metric,aggregate,window_start,window_end,value,low,high,unit,source\n"
        "s,shells_prk_to_rus,sum,2023-08,2023-10,,100000,5000000,rounds,x\n",
        encoding="utf-8",
    )
    base = ["validate", mine, "-O", obs, "--runs", "3", "-w", "1", "--no-figure"]
    code, _, err = invoke(*base)
    assert code == 2 and "extra" in err  # without --root its base is not found
    code, out, err = invoke(*base, "--root", root, "--json")
    assert code == 0, err
    assert json.loads(out)["summary"]["answered"] == 1
    for args in (
        ["validate", mine, "-O", obs, "--runs", "10000000", "--root", root],
        ["calibrate", mine, "-O", obs, "-p", "war.fire_rate=1e4:4e4", "--budget", "1000000", "--root", root],
        ["backtest", mine, "-O", obs, "--cutoff", "2023-09", "--runs", "10000000", "--root", root],
    ):
        code, _, err = invoke(*args)
        assert code == 2 and "need --yes" in err and "replicate-months" in err, (args[0], err)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_flags_without_type_placeholders(command: str) -> None:
    code, out, _ = invoke(command, "--help", terminal_width=200)
    assert code == 0
    assert not PLACEHOLDER.search(out), PLACEHOLDER.search(out)
    flag = re.search(r"--json\s+(\S+)", out)
    if flag:
        assert not flag.group(1).startswith("<")  # `--json` reads `--json`, then its help


def test_value_options_keep_a_plain_placeholder() -> None:
    _, out, _ = invoke("run", "--help", terminal_width=200)
    assert re.search(r"--runs\s+-n\s+INTEGER", out) and re.search(r"--set\s+TEXT", out)
    assert re.search(r"--json\s+Print JSON", out) and re.search(r"--out\s+-o\s+PATH", out)
    _, out, _ = invoke("plot", "--help", terminal_width=200)
    assert re.search(r"--format\s+-f\s+png\|svg\|pdf", out) and re.search(r"--dpi\s+INTEGER", out)
    _, out, _ = invoke("--help", terminal_width=200)
    assert re.search(r"--version\s+Print the version", out)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def test_a_piped_table_uses_the_width_it_needs(small_run: tuple[Path, str]) -> None:
    _, stdout = small_run  # CliRunner's stdout is not a terminal: rich would assume 80 columns
    lines = stdout.splitlines()
    for name in KEY_METRICS:  # every description whole, on one line: nothing folded or clipped
        text = label(name, REFERENCE_ACTORS)
        assert any(text in line for line in lines), text
    assert max(len(line) for line in lines) > 80
    assert "…" not in stdout


def test_a_table_on_a_terminal_wraps_to_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.table import Table

    buffer = io.StringIO()
    monkeypatch.setattr(
        common, "console", Console(file=buffer, force_terminal=True, width=60, color_system=None)
    )
    view = Table(title="t")
    view.add_column("metric", overflow="fold")
    view.add_row(label("gdp_growth_prk", REFERENCE_ACTORS))
    common.print_table(view)
    lines = buffer.getvalue().splitlines()
    assert lines and max(len(line) for line in lines) <= 60 and len(lines) > 5  # wrapped, not clipped
    assert "annualised" in buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Readable labels, names in --json
# ---------------------------------------------------------------------------------------------


def test_run_table_reads_descriptions_and_json_keeps_names(
    small_run: tuple[Path, str], tmp_path: Path
) -> None:
    _, stdout = small_run
    assert (
        "Artillery rounds delivered PRK to RUS" in stdout and "Tie between the two actors (RUS-PRK)" in stdout
    )
    assert not any(name in stdout for name in KEY_METRICS)
    code, out, _ = invoke("run", BASELINE, "-n", "2", "-m", "2", "-w", "1", "-o", tmp_path / "j", "--json")
    assert code == 0
    assert set(json.loads(out)["summary"]) == set(KEY_METRICS)


def test_compare_table_reads_descriptions_and_json_keeps_names(tmp_path: Path) -> None:
    policy = "policies/maritime-interdiction"
    args = [
        "compare",
        BASELINE,
        policy,
        "-n",
        "2",
        "-m",
        "3",
        "-w",
        "1",
        "--metrics",
        "shells_prk_to_rus,tie_rus_prk",
    ]
    code, out, err = invoke(*args, "-o", tmp_path / "c")
    assert code == 0, err
    assert "Artillery rounds delivered PRK to RUS (total, rounds)" in out
    assert "shells_prk_to_rus" not in out and "tie_rus_prk" not in out
    code, out, _ = invoke(*args, "-o", tmp_path / "d", "--json")
    assert code == 0
    assert {row["metric"] for row in json.loads(out)["effects"]} == {"shells_prk_to_rus", "tie_rus_prk"}


def test_report_reads_descriptions(tmp_path: Path) -> None:
    from sanctionsim.experiments.compare import compare

    cmp = compare(BASELINE, ["policies/full-pressure"], runs=2, months=3, workers=1, out=tmp_path / "c",
                  metrics=["shells_prk_to_rus", "leakage_ratio"])  # fmt: skip
    code, _, err = invoke("report", cmp.path, "-o", tmp_path / "r.md")
    assert code == 0, err
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    effects = text[text.index("| Policy | Metric |") :]
    rows = [line for line in effects.splitlines() if re.match(r"\| policies.full-pressure \| ", line)]
    assert len(rows) == 2
    assert "| Artillery rounds delivered PRK to RUS |" in rows[0]
    assert not any("shells_prk_to_rus" in row or "leakage_ratio" in row for row in rows)


# ---------------------------------------------------------------------------------------------
# plot --format --dpi
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF"), ("png", b"\x89PNG")])
def test_plot_writes_the_format_asked_for(
    small_run: tuple[Path, str], tmp_path: Path, fmt: str, magic: bytes
) -> None:
    results, _ = small_run
    code, out, err = invoke("plot", results, "--format", fmt, "-o", tmp_path, "--json")
    assert code == 0, err
    paths = [Path(p) for p in json.loads(out)["figures"]]
    assert [p.name for p in paths] == [f"metrics.{fmt}", f"flows.{fmt}", f"ties.{fmt}"]
    assert all(p.read_bytes().startswith(magic) for p in paths)


def test_plot_dpi_sets_the_png_resolution(small_run: tuple[Path, str], tmp_path: Path) -> None:
    results, _ = small_run
    assert invoke("plot", results, "-o", tmp_path / "a", "--dpi", "40")[0] == 0
    assert invoke("plot", results, "-o", tmp_path / "b", "--dpi", "80")[0] == 0
    low, high = (mpimg.imread(tmp_path / d / "ties.png").shape for d in ("a", "b"))
    assert abs(high[1] - 2 * low[1]) <= 1 and abs(high[0] - 2 * low[0]) <= 1
    code, _, err = invoke("plot", results, "--format", "gif", "-o", tmp_path / "c")
    assert code == 2 and "gif" in err and not (tmp_path / "c").exists()
    code, _, err = invoke("plot", results, "--dpi", "0", "-o", tmp_path / "d")
    assert code == 2 and not (tmp_path / "d").exists()


def test_scenario_names_work_from_another_folder_through_the_cli(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sanctionsim.cli", "show", "baseline", "--json"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["title"] == "Baseline, June 2024 knowledge"
