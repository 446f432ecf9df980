"""Issue 8: the exchange is a mechanism. Linked deals, capacity that grows, deployed people, China's
channels, enforcement that bites. Every test pairs runs with common random numbers (same seed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sanctionsim as ss

RUNS = 40
SEED = 11


def run(*sets: str, runs: int = RUNS, months: int = 36) -> pd.DataFrame:
    return ss.simulate("baseline", runs=runs, seed=SEED, months=months, workers=1, overrides=list(sets)).metrics


def total(metrics: pd.DataFrame, metric: str, start: str | None = None, end: str | None = None) -> np.ndarray:
    m = metrics
    if start:
        m = m[m["date"] >= pd.Timestamp(start)]
    if end:
        m = m[m["date"] <= pd.Timestamp(end)]
    return m.groupby("replicate")[metric].sum().to_numpy()


def last(metrics: pd.DataFrame, metric: str) -> np.ndarray:
    return metrics.groupby("replicate")[metric].last().to_numpy()


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return run()


NO_ARMS = (
    "actors.PRK.goods.shells.stock=0",
    "actors.PRK.goods.shells.production=0",
    "actors.PRK.goods.missiles.stock=0",
    "actors.PRK.goods.missiles.production=0",
)


def test_without_dprk_arms_russia_pays_less(base: pd.DataFrame) -> None:
    none = run(*NO_ARMS)
    for metric in ("oil_rus_to_prk", "tech_rus_to_prk", "cash_rus_to_prk"):
        p = (total(none, metric) < total(base, metric)).mean()
        assert p >= 0.9, f"{metric}: falls in {p:.0%} of paired runs"


def test_cutting_russian_oil_cuts_dprk_workers(base: pd.DataFrame) -> None:
    cut = run("actors.RUS.goods.oil.stock=0", "actors.RUS.goods.oil.production=0")
    assert total(cut, "oil_rus_to_prk").max() == 0.0
    sent = (total(cut, "workers_sent_prk_to_rus") < total(base, "workers_sent_prk_to_rus")).mean()
    assert sent >= 0.9, f"workers sent fall in {sent:.0%} of paired runs"
    assert np.median(last(cut, "workers_prk_in_rus")) < np.median(last(base, "workers_prk_in_rus"))


def test_without_russian_technology_dprk_capacity_grows_more_slowly(base: pd.DataFrame) -> None:
    no_tech = run(
        "actors.RUS.goods.technology.stock=0",
        "actors.RUS.goods.technology.production=0",
        "events.0.add={ties.RUS.PRK: 0.1}",  # the summit no longer adds Russian technology output
    )
    assert total(no_tech, "tech_rus_to_prk").max() == 0.0
    grown = last(base, "shell_capacity_prk") - base.query("month == 0").set_index("replicate")["shell_capacity_prk"]
    grown_without = last(no_tech, "shell_capacity_prk") - no_tech.query("month == 0").set_index("replicate")[
        "shell_capacity_prk"
    ]
    assert (grown_without.to_numpy() < grown.to_numpy()).mean() >= 0.8
    assert np.median(grown_without) < np.median(grown)
