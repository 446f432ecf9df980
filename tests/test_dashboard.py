"""The dashboard without a browser: levers, configurations as scenario files, pinning, views, the command."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sanctionsim.cli.app import app
from sanctionsim.dashboard.controls import CONTROLS, scenario_controls
from sanctionsim.dashboard.model import DashboardModel, PinBoard
from sanctionsim.dashboard.offline import BLOCKED, is_local
from sanctionsim.dashboard.views import event_log, flow_matrix, latest_numbers
from sanctionsim.results import load_results
from sanctionsim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"

pytest.importorskip("solara", reason="the dashboard extra is not installed (pip install -e '.[dashboard]')")


# ------------------------------------------------------------------------------------ levers
def test_controls_read_defaults_units_and_ranges_from_the_scenario_and_schema(baseline: Scenario) -> None:
    controls = {c.name: c for c in scenario_controls(baseline.config)}
    assert list(controls) == [
        "budget_bloc",
        "secondary_un_dprk",
        "secondary_western_russia",
        "monitoring",
        "war_intensity",
        "treaty_rus_prk",
        "china_stance",
        "adaptive",
    ]
    cfg = baseline.config
    budget = controls["budget_bloc"]
    assert budget.default == cfg.actors["BLOC"].enforcement_budget
    assert (budget.low, budget.high) == (0.0, 5 * cfg.actors["BLOC"].enforcement_budget)  # 5x the scenario's
    assert budget.slider_param()["value"] == cfg.actors["BLOC"].enforcement_budget / 1e6
    secondary = controls["secondary_un_dprk"]
    assert secondary.default == cfg.sanctions["un_dprk"].secondary
    assert (secondary.low, secondary.high, secondary.unit) == (0.0, 1.0, "0-1")  # the schema's Share
    assert controls["china_stance"].default == cfg.compliance.intercept
    treaty = controls["treaty_rus_prk"]
    assert treaty.path == "events[treaty_signed].add.treaty.RUS.PRK"
    assert treaty.default == next(e for e in cfg.events if e.name == "treaty_signed").add["treaty.RUS.PRK"]
    assert controls["adaptive"].default is cfg.adaptive_policy.enabled is False
    for control in controls.values():  # every default sits inside its range
        assert control.low <= float(control.default) <= control.high
    assert {row.key for row in CONTROLS} == {
        "budget",
        "secondary",
        "monitoring",
        "war_intensity",
        "treaty",
        "china_stance",
        "adaptive",
    }


def test_slider_positions_round_trip_to_the_scenarios_exact_value(baseline: Scenario) -> None:
    for control in scenario_controls(baseline.config):
        assert control.from_slider(control.to_slider(control.default)) == control.default


def test_levers_out_of_range_or_unknown_are_refused_with_the_control_named() -> None:
    with pytest.raises(ValueError, match=r"war_intensity \(war.intensity\): expected a value in \[0, 2\]"):
        DashboardModel(source=str(BASELINE), replicates=2, war_intensity=2.5)
    with pytest.raises(ValueError, match=r"unknown lever 'war_intensty'.*war_intensity"):
        DashboardModel(source=str(BASELINE), replicates=2, war_intensty=1.0)


# -------------------------------------------------------------------- configurations as files
LEVERS = {
    "war_intensity": 1.5,
    "budget_bloc": 120.0,  # USD M/month on the slider
    "treaty_rus_prk": 0.5,
    "secondary_un_dprk": 0.4,
    "adaptive": True,
}


def test_a_configuration_is_a_small_scenario_that_extends_its_source() -> None:
    model = DashboardModel(source=str(BASELINE), replicates=8, seed=3, **LEVERS)
    doc = model.document()
    assert (doc["runs"], doc["seed"]) == (8, 3)
    assert doc["war"] == {"intensity": 1.5}
    assert doc["actors"] == {"BLOC": {"enforcement_budget": 120e6}}
    assert doc["sanctions"] == {"un_dprk": {"secondary": 0.4}}
    assert doc["adaptive_policy"] == {"enabled": True}
    (treaty,) = doc["events"]  # the whole event, with the new commitment (events merge by name)
    assert treaty["name"] == "treaty_signed" and treaty["add"] == {"treaty.RUS.PRK": 0.5}
    assert treaty["scale"] == {"routes.alt_payments.capacity": 2.0}
    assert "monitoring" not in str(doc) and "compliance" not in doc  # unchanged levers are left out
    assert model.configuration.config.war.intensity == 1.5
    assert model.configuration.config.actors["BLOC"].enforcement_budget == 120e6


def test_a_saved_configuration_runs_with_sanctionsim_run_to_the_same_results(tmp_path: Path) -> None:
    model = DashboardModel(source=str(BASELINE), replicates=6, seed=11, save_dir=str(tmp_path), **LEVERS)
    while model.running:
        model.step()
    saved = model.save("my-policy")
    assert saved == tmp_path / "my-policy.yaml"
    text = saved.read_text()
    assert text.startswith("# Saved from the sanctionsim dashboard")
    assert yaml.safe_load(text)["extends"] == "baseline"  # by name: the file works from any folder
    assert f"sanctionsim run {saved.as_posix()}\n" in text
    with pytest.raises(FileExistsError, match="exists"):
        model.save("my-policy.yaml")

    out = tmp_path / "results"
    done = CliRunner().invoke(app, ["run", str(saved), "--out", str(out), "--json"])
    assert done.exit_code == 0, done.output
    results = load_results(out)
    assert (results.manifest["runs"], results.manifest["seed"]) == (6, 11)
    mine = model.tables("current")
    assert mine is not None
    for name in ("metrics", "flows", "events"):
        theirs = getattr(results, name).reset_index(drop=True)
        ours = getattr(mine, name).reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=True, obj=name)


@pytest.mark.parametrize("where", ["elsewhere", "root"])
def test_a_scenario_outside_the_library_opens_saves_and_reruns(tmp_path: Path, where: str) -> None:
    """A scenario file in any folder (or a name under --root), as an analyst keeps them."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "here.yaml").write_text("extends: baseline\nwar: {intensity: 1.25}\n", encoding="utf-8")
    source, root = (str(folder / "here.yaml"), None) if where == "elsewhere" else ("here", str(folder))
    saves = tmp_path / "saves"
    saves.mkdir()
    model = DashboardModel(source=source, replicates=3, seed=5, save_dir=str(saves), root=root, **LEVERS)
    assert model.configuration.config.war.intensity == 1.5  # the lever, over the file's own 1.25
    model.step()
    saved = model.save("from-mine")
    assert yaml.safe_load(saved.read_text())["extends"] == "here"
    command = model.reproduce(saved)
    assert command == f"sanctionsim run {saved.as_posix()} --root {folder.resolve().as_posix()}"
    out = tmp_path / "results"
    args = [*command.split()[2:], "--months", "1", "--out", str(out)]
    done = CliRunner().invoke(app, ["run", *args])
    assert done.exit_code == 0, done.output
    mine = model.tables("current")
    assert mine is not None
    pd.testing.assert_frame_equal(
        mine.metrics.reset_index(drop=True), load_results(out).metrics, check_dtype=False, check_exact=True
    )


def test_saving_refuses_a_name_that_is_not_a_scenario_file(tmp_path: Path) -> None:
    model = DashboardModel(source=str(BASELINE), replicates=2, save_dir=str(tmp_path))
    with pytest.raises(ValueError, match=r"\.yaml or \.yml"):
        model.save("notes.txt")
    with pytest.raises(ValueError, match="give a file name"):
        model.save("  ")


# -------------------------------------------------------------------------------- pinning
def test_a_pinned_configuration_runs_beside_with_common_random_numbers() -> None:
    pins = PinBoard()
    base = DashboardModel(source=str(BASELINE), replicates=10, seed=5, pins=pins)
    for _ in range(3):
        base.step()
    base.pin()
    assert pins.values == base.values and base.pinned is not None and base.pinned.month == 3
    # what SolaraViz does on Reset: a new model from the sliders, with the same pin board
    moved = DashboardModel(source=str(BASELINE), replicates=10, seed=5, pins=pins, treaty_rus_prk=1.0)
    while moved.running:
        moved.step()
    alone = DashboardModel(source=str(BASELINE), replicates=10, seed=5)
    while alone.running:
        alone.step()
    pinned, current, reference = moved.tables("pinned"), moved.tables("current"), alone.tables("current")
    assert pinned is not None and current is not None and reference is not None
    pd.testing.assert_frame_equal(pinned.metrics, reference.metrics)  # the pin is the baseline run itself
    # the treaty lever acts from its event (2024-06): before it, replicate i of both is identical
    treaty = pd.Timestamp("2024-06-01")
    early = current.metrics["date"] < treaty
    pd.testing.assert_frame_equal(current.metrics[early], pinned.metrics[early])
    late = current.metrics["date"] > treaty
    assert (current.metrics.loc[late, "tie_rus_prk"] > pinned.metrics.loc[late, "tie_rus_prk"]).all()
    numbers = latest_numbers(current.metrics, pinned.metrics, ["tie_rus_prk"], moved.current.codes)
    paired = (
        current.metrics[current.metrics["month"] == 35].set_index("replicate")["tie_rus_prk"]
        - pinned.metrics[pinned.metrics["month"] == 35].set_index("replicate")["tie_rus_prk"]
    )
    assert numbers.loc[0, "diff_median"] == pytest.approx(float(paired.median()), rel=1e-12)
    moved.unpin()
    assert pins.values is None and moved.tables("pinned") is None


# ----------------------------------------------------------------------------------- views
def test_flow_matrix_takes_the_median_over_every_replicate_counting_no_shipment_as_zero() -> None:
    flows = pd.DataFrame(
        {
            "replicate": [0, 1, 2, 0],
            "month": [4, 4, 4, 4],
            "src": ["PRK", "PRK", "PRK", "RUS"],
            "dst": ["RUS", "RUS", "RUS", "PRK"],
            "good": ["shells", "shells", "missiles", "oil"],
            "route": ["rail"] * 4,
            "shipped": [10.0, 20.0, 5.0, 4.0],
            "delivered": [10.0, 10.0, 5.0, 4.0],
            "interdicted": [0.0, 10.0, 0.0, 0.0],
            "value": [100.0, 200.0, 90.0, 40.0],
        }
    )
    out = flow_matrix(flows, month=4, replicates=4, actors=["RUS", "PRK"]).set_index(["src", "dst"])
    # PRK->RUS delivered per replicate: 100, 100, 90, 0 (replicate 3 shipped nothing)
    assert out.loc[("PRK", "RUS"), "delivered_value"] == 95.0
    assert out.loc[("PRK", "RUS"), "interdicted_value"] == 0.0  # 0, 100, 0, 0
    assert out.loc[("PRK", "RUS"), "main_good"] == "shells"
    assert ("RUS", "PRK") not in out.index  # its median over 4 replicates is 0
    assert flow_matrix(flows, month=5, replicates=4, actors=["RUS", "PRK"]).empty


def test_event_log_gives_first_and_last_date_and_the_share_of_replicates() -> None:
    events = pd.DataFrame(
        {
            "replicate": [0, 1, 1, 0],
            "month": [2, 2, 5, 7],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-04-01", "2024-06-01"]),
            "event": ["summit", "summit", "crackdown", "crackdown"],
            "kind": ["scheduled", "scheduled", "conditional", "conditional"],
            "detail": ["a summit", "a summit", "a crackdown", "a crackdown"],
        }
    )
    log = event_log(events, replicates=4)
    assert list(log["event"]) == ["summit", "crackdown"]
    assert list(log["share"]) == [0.5, 0.5]
    assert log.loc[1, "first"] == pd.Timestamp("2024-04-01") and log.loc[1, "last"] == pd.Timestamp(
        "2024-06-01"
    )


def test_the_page_layout_fills_twelve_columns_without_overlap() -> None:
    from sanctionsim.dashboard.app import panel_layout
    from sanctionsim.dashboard.components import PANELS

    cells = panel_layout(len(PANELS))
    grid = np.zeros((max(c["y"] + c["h"] for c in cells), 12), dtype=int)
    for c in cells:
        assert c["x"] >= 0 and c["x"] + c["w"] <= 12
        grid[c["y"] : c["y"] + c["h"], c["x"] : c["x"] + c["w"]] += 1
    assert grid.max() == 1


# ---------------------------------------------------------------------------- the command
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-scenario"], "no scenario 'no-such-scenario'"),
        (["baseline", "--port", "70000"], "--port: a port in [0, 65535]"),
        (["baseline", "--runs", "0"], "--runs: between 1 and 10,000"),
        (["baseline", "--runs", "20000"], "--runs: between 1 and 10,000 (the page steps the ensemble live)"),
    ],
)
def test_dashboard_command_refuses_bad_input_before_serving(args: list[str], message: str) -> None:
    done = CliRunner().invoke(app, ["dashboard", *args])
    assert done.exit_code == 2, done.output
    assert message in done.output.replace("\n", " ")


# ------------------------------------------------------------------------------- offline
def test_only_this_machine_counts_as_local() -> None:
    for host in (None, "", "localhost", "127.0.0.1", "127.3.2.1", "::1", "[::1]", b"127.0.0.1"):
        assert is_local(host), host
    for host in ("cdn.jsdelivr.net", "api.mixpanel.com", "10.0.0.1", "8.8.8.8", "::ffff:8.8.8.8"):
        assert not is_local(host), host


def test_the_network_guard_refuses_other_hosts_and_allows_loopback() -> None:
    script = textwrap.dedent(
        """
        import socket
        from sanctionsim.dashboard.offline import guard_network
        guard_network()
        socket.getaddrinfo("127.0.0.1", 80)
        server = socket.create_server(("127.0.0.1", 0))
        socket.create_connection(server.getsockname()).close()
        try:
            socket.getaddrinfo("cdn.jsdelivr.net", 443)
        except OSError as err:
            print("refused:", err)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "refused: the sanctionsim dashboard does not connect to 'cdn.jsdelivr.net'" in done.stdout
    assert f"{BLOCKED} a connection to 'cdn.jsdelivr.net'" in done.stderr


def test_offline_settings_turn_off_the_cdn_and_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    script = textwrap.dedent(
        """
        from sanctionsim.dashboard.offline import offline_environment
        offline_environment()
        import solara.settings, solara.server.settings
        print(solara.settings.assets.proxy, solara.server.settings.telemetry.mixpanel_enable)
        """
    )
    monkeypatch.delenv("SOLARA_ASSETS_PROXY", raising=False)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["True", "False"]
