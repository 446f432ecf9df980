"""Metrics follow roles, not country codes: a scenario with a fifth actor, or other roles, records
meaningful metrics under the names its roles give."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import sanctionsim as ss
from sanctionsim.metrics import key_metrics, metric_names
from sanctionsim.model.roles import Roles

ROOT = Path(__file__).resolve().parents[1]

IRAN = """
extends: baseline
title: Iran joins
actors:
  IRN:
    name: Iran
    gdp: 4.0e11
    trend_growth: 0.02
    risk_tolerance: 0.9
    fx_income_share: 0.05
    fx_import_share: 0.04
    goods:
      shells: {stock: 1.0e6, production: 60000}
      oil: {stock: 1.0e7, production: 3.0e6, need: 2.5e6}
      cash: {stock: 3.0e10}
    ties: {RUS: 0.5, CHN: 0.4, BLOC: -0.8}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("roles")
    (root / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / "baseline.yaml", root / "scenarios" / "baseline.yaml")
    (root / "scenarios" / "iran.yaml").write_text(IRAN, encoding="utf-8")
    (root / "scenarios" / "iran-partner.yaml").write_text(
        IRAN.replace("title: Iran joins", "title: Iran is the partner")
        + "compliance: {partners: [RUS, IRN]}\n",
        encoding="utf-8",
    )
    return root


def test_a_fifth_actor_gets_its_own_meaningful_metrics(project: Path) -> None:
    res = ss.simulate(
        ss.load_scenario(project / "scenarios" / "iran.yaml"), runs=6, seed=1, months=12, workers=1
    )
    m = res.metrics
    for name in ("gdp_irn", "gdp_growth_irn", "reserves_irn", "tech_irn", "tie_rus_irn", "stock_shells_irn"):
        assert name in m.columns, name
        assert np.isfinite(m[name]).all(), name
    assert (m["gdp_irn"] > 0).all()
    sold = res.flows.query("src == 'IRN' and dst == 'RUS' and good == 'shells'")
    assert sold["delivered"].sum() > 0, "Iran sells Russia shells through the market"
    first, last = m.query("month == 0")["stock_shells_irn"], m.query("month == 11")["stock_shells_irn"]
    assert not np.allclose(first.to_numpy(), last.to_numpy())
    assert m["shells_prk_to_rus"].sum() > 0  # the roles' metrics still mean the DPRK's shells


def test_roles_name_the_metrics(project: Path) -> None:
    sc = ss.load_scenario(project / "scenarios" / "iran-partner.yaml")
    roles = Roles.of(sc.config)
    assert (roles.war, roles.partner, roles.third) == ("RUS", "IRN", "CHN")
    names = metric_names(sc.config)
    assert "shells_irn_to_rus" in names and "shells_prk_to_rus" not in names
    assert key_metrics(sc.config)[0] == "shells_irn_to_rus"
    res = ss.simulate(sc, runs=4, seed=1, months=12, workers=1)
    assert res.metrics["shells_irn_to_rus"].sum() > 0
    assert list(res.metrics.columns[3:]) == names


def test_bare_codes_take_the_schema_default_roles() -> None:
    roles = Roles.of(["RUS", "PRK", "CHN", "BLOC"])
    assert (roles.war, roles.partner, roles.third) == ("RUS", "PRK", "CHN")
    assert roles.pair_name("tie_{a}_{b}", "PRK", "RUS") == "tie_rus_prk"
