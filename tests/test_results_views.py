"""Notebook views of results: to_xarray, the long table, the HTML summary, ss.load, names as typed."""

from __future__ import annotations

import numpy as np
import pytest

import sanctionsim as ss
from sanctionsim import metrics as metric_registry
from sanctionsim.analysis.effects import Comparison
from sanctionsim.results import Results


@pytest.fixture(scope="module")
def results() -> Results:
    return ss.simulate("baseline", runs=6, months=8, seed=11, workers=1)


def test_every_metric_column_appears_once_in_the_dataset(results: Results) -> None:
    ds = results.to_xarray()
    wide = results.metrics
    assert ds.sizes["replicate"] == 6 and ds.sizes["date"] == 8
    assert list(ds["actor"].values) == results.actors
    seen = 0
    for name, m in metric_registry.registry(results.manifest["config"]).items():
        var = ds[m.quantity]
        if m.counterpart:
            got = var.sel(actor=m.actor, counterpart=m.counterpart)
            assert np.array_equal(got.values, var.sel(actor=m.counterpart, counterpart=m.actor).values)
        elif m.actor:
            got = var.sel(actor=m.actor)
        else:
            got = var
        expected = wide.pivot(index="replicate", columns="month", values=name).to_numpy()
        assert np.array_equal(got.values, expected), name
        seen += 1
    assert seen == len(wide.columns) - 3
    assert ds["gdp"].attrs["unit"] == metric_registry.describe("gdp_rus", results.actors).unit
    assert ds["gdp"].attrs["description"] and "(RUS)" not in ds["gdp"].attrs["description"]
    assert np.isnan(ds["tie"].sel(actor="RUS", counterpart="RUS").values).all()


def test_family_names_do_not_collide_with_single_metrics(results: Results) -> None:
    known = metric_registry.registry(results.manifest["config"])
    families = {m.family for m in known.values() if m.family}
    singles = {m.name for m in known.values() if not m.family}
    assert families and not families & singles


def test_long_table_has_one_row_per_replicate_month_and_metric(results: Results) -> None:
    long = results.to_long()
    wide = results.metrics
    assert list(long.columns) == ["replicate", "month", "date", "metric", "actor", "counterpart", "value"]
    assert len(long) == len(wide) * (len(wide.columns) - 3)
    gdp_prk = long[(long.metric == "gdp") & (long.actor == "PRK")].sort_values(["replicate", "month"])
    assert np.array_equal(
        gdp_prk["value"].to_numpy(), wide.sort_values(["replicate", "month"])["gdp_prk"].to_numpy()
    )
    single = long[long.metric == "shells_prk_to_rus"]
    assert set(single.actor) == {""} and len(single) == len(wide)


def test_html_summary_names_the_run_and_its_headline_metrics(results: Results) -> None:
    page = results._repr_html_()
    assert "sanctionsim results: baseline" in page
    from sanctionsim.formatting import format_number

    shells = next(r for r in results.manifest["summary"] if r["metric"] == "shells_prk_to_rus")
    total = results.metrics.groupby("replicate")["shells_prk_to_rus"].sum().median()
    assert shells["median"] == pytest.approx(total)
    assert format_number(shells["median"]) in page
    assert metric_registry.label("shells_prk_to_rus", results.actors) in page
    assert "<script" not in page


def test_a_results_folder_describes_its_columns_without_the_model(tmp_path) -> None:
    run = ss.simulate("baseline", runs=3, months=4, seed=5, workers=1, out=tmp_path / "run")
    described = {m["name"]: m for m in run.manifest["metrics"]}
    assert described["tie_rus_prk"]["quantity"] == "tie"
    assert (described["tie_rus_prk"]["actor"], described["tie_rus_prk"]["counterpart"]) == ("RUS", "PRK")
    loaded = ss.load(tmp_path / "run")
    assert loaded.to_xarray().identical(run.to_xarray())
    old = Results(metrics=run.metrics, manifest={k: v for k, v in run.manifest.items() if k != "metrics"})
    assert "gdp_rus" in old.to_xarray()  # undescribed columns are quantities of their own


def test_load_opens_runs_and_comparisons_with_names_as_typed(tmp_path) -> None:
    run = ss.simulate("baseline", runs=4, months=6, seed=2, workers=1, out=tmp_path / "run")
    loaded = ss.load(tmp_path / "run")
    assert isinstance(loaded, Results)
    assert loaded.metrics.equals(run.metrics)
    cmp = ss.compare("baseline", "policies/full-pressure", runs=4, months=6, workers=1, out=tmp_path / "cmp")
    assert list(cmp.results) == ["baseline", "policies/full-pressure"]
    assert cmp.results["policies/full-pressure"].path == tmp_path / "cmp" / "policies-full-pressure"
    again = ss.load(tmp_path / "cmp")
    assert isinstance(again, Comparison)
    assert list(again.results) == ["baseline", "policies/full-pressure"]
    assert again.effects.equals(cmp.effects)
    assert set(again.effects["scenario"]) == {"policies/full-pressure"}
    with pytest.raises(ValueError, match=r"comparison folder .* ss.load"):
        ss.load_results(tmp_path / "cmp")
    with pytest.raises(FileNotFoundError, match="nothing"):
        ss.load(tmp_path / "nothing")
