"""Tests of the scenario library: every file loads, states its story and claims, and conserves goods.

Each scenario runs for its full horizon with 4 replicates and the goods ledger on. For every month,
replicate, actor and good: ``stock_after == stock_before + produced + received - consumed - sent``;
stocks are never negative; and every shipped lot is either delivered or interdicted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sanctionsim.analysis.claims import evaluate_claims, validate_claims
from sanctionsim.model.model import SanctionsModel
from sanctionsim.scenario import Scenario, load_scenario
from sanctionsim.scenario.loader import read_yaml

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "scenarios"
BASELINE = ROOT / "baseline.yaml"
LIBRARY = sorted(ROOT.rglob("*.yaml"))
NAMES = [p.relative_to(ROOT).with_suffix("").as_posix() for p in LIBRARY]
STORIES = [n for n in NAMES if n != "baseline"]
REPLICATES = range(4)
REL_TOL = 1e-9

REQUIRED = {
    "analysts/easley-arsenal-for-autocracy",
    "analysts/zinberg-shells-for-technology",
    "analysts/lim-strategic-choice",
    "analysts/oil-for-labour",
    "analysts/alternative-payments",
    "policies/sanctions-enforced",
    "policies/secondary-sanctions-china",
    "policies/maritime-interdiction",
    "policies/monitoring-restored",
    "policies/china-crackdown",
    "shocks/ceasefire",
    "shocks/china-defects",
}


def load(name: str) -> Scenario:
    return load_scenario(ROOT / f"{name}.yaml")


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def test_the_library_holds_every_required_scenario() -> None:
    missing = REQUIRED - set(NAMES)
    assert not missing, f"missing scenarios: {sorted(missing)}"


@pytest.mark.parametrize("name", STORIES)
def test_scenario_extends_the_baseline_and_tells_its_story(name: str) -> None:
    raw = read_yaml(ROOT / f"{name}.yaml")
    assert raw.get("extends") in ("../baseline.yaml", "../baseline", "baseline"), name
    cfg = load(name).config
    assert cfg.title and cfg.title != load_scenario(BASELINE).config.title
    assert cfg.description.strip()
    assert cfg.claim.strip(), "the quoted claim it encodes"
    assert cfg.by.strip(), "who made the claim"


@pytest.mark.parametrize("name", STORIES)
def test_scenario_claims_are_valid(name: str) -> None:
    cfg = load(name).config
    compiled = validate_claims(cfg)
    low, high = (2, 4) if name.startswith("analysts/") else (1, 4)
    assert low <= len(compiled) <= high, f"{name}: {len(compiled)} claims"
    for c in compiled:
        assert c.claim.by.strip(), f"{name}: claim {c.claim.id} says who made it"
        assert c.claim.text.strip()


@pytest.mark.parametrize("name", STORIES)
def test_scenario_keeps_the_baseline_events(name: str, baseline: Scenario) -> None:
    # events merge by name across `extends`: the baseline's come first, unchanged
    base = [e.model_dump() for e in baseline.config.events]
    events = [e.model_dump() for e in load(name).config.events]
    assert events[: len(base)] == base, f"{name}: the baseline's events, unchanged and first"
    names = [e["name"] for e in events]
    assert len(names) == len(set(names)), f"{name}: event names are unique"


@pytest.mark.parametrize("name", NAMES)
def test_dated_events_fall_within_the_horizon(name: str) -> None:
    cfg = load(name).config
    start = pd.Period(cfg.start, freq="M")
    for ev in cfg.events:
        if ev.at is not None:
            offset = (pd.Period(ev.at, freq="M") - start).n
            assert 0 <= offset < cfg.months, f"{name}: event {ev.name} at {ev.at} is outside the run"


@pytest.mark.parametrize("name", NAMES)
def test_scenario_runs_its_horizon_and_conserves_goods(name: str) -> None:
    cfg = load(name).config
    model = SanctionsModel(config=cfg, seed=cfg.seed, replicates=REPLICATES, keep_ledger=True)
    model.run()
    ledger = model.world.ledger.months
    assert len(ledger) == cfg.months
    for t, month in enumerate(ledger):
        before, after = month["stock_before"], month["stock_after"]
        expected = before + month["produced"] + month["received"] - month["consumed"] - month["sent"]
        magnitude = np.maximum.reduce([np.abs(v) for v in month.values()])
        assert after.shape == (len(REPLICATES), len(cfg.actors), expected.shape[2])
        err = np.abs(after - expected)
        assert np.all(err <= REL_TOL * magnitude), f"{name}: month {t} breaks conservation"
        assert np.all(after >= -REL_TOL * magnitude), f"{name}: month {t} has a negative stock"
    flows = model.recorder.flows_frame()
    assert len(flows) > 0
    gap = (flows["shipped"] - flows["delivered"] - flows["interdicted"]).abs()
    assert np.all(gap <= REL_TOL * flows["shipped"].abs()), f"{name}: shipped != delivered + interdicted"
    assert (flows[["shipped", "delivered", "interdicted"]] >= 0).all().all()
    metrics = model.recorder.metrics_frame()
    assert metrics["month"].max() == cfg.months - 1
    if cfg.claims:
        table = evaluate_claims(metrics, cfg.claims, actors=list(cfg.actors))
        assert table["probability"].between(0, 1).all()
        assert len(table) == len(cfg.claims)
