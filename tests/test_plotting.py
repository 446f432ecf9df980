"""Tests of the plotting package on synthetic results (no model run needed)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sanctionsim.metrics import describe, label, metric_names
from sanctionsim.plotting import (
    KEY_METRICS,
    axis_label,
    plot_all,
    plot_flows,
    plot_metrics,
    plot_ties,
    quantile_bands,
)
from sanctionsim.plotting.flows import _grid, _median_by, _with_values
from sanctionsim.plotting.ties import median_tie_matrix

ACTORS = ["RUS", "PRK", "CHN", "BLOC"]
RUNS = 3
MONTHS = 24
START = "2023-08-01"


def _metrics_table(rng: np.random.Generator) -> pd.DataFrame:
    dates = pd.date_range(START, periods=MONTHS, freq="MS")
    rows = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(RUNS), MONTHS).astype("int32"),
            "month": np.tile(np.arange(MONTHS), RUNS).astype("int32"),
            "date": np.tile(dates.to_numpy(), RUNS),
        }
    )
    columns = {}
    for name in metric_names(ACTORS):
        walk = np.cumsum(rng.normal(0.0, 0.1, size=(RUNS, MONTHS)), axis=1).ravel()
        if name.startswith("tie_"):
            columns[name] = np.tanh(walk)
        elif describe(name, ACTORS).unit in ("share", "index [0, 1]"):
            columns[name] = 1.0 / (1.0 + np.exp(-walk))
        else:
            columns[name] = 1e5 * np.exp(walk)
    return pd.concat([rows, pd.DataFrame(columns)], axis=1)


def _flows_table(rng: np.random.Generator) -> pd.DataFrame:
    dates = pd.date_range(START, periods=MONTHS, freq="MS")
    lanes = [
        ("PRK", "RUS", "shells", "rail_tumangang"),
        ("PRK", "RUS", "shells", "sea_rajin"),
        ("RUS", "PRK", "oil", "sea_rajin"),
        ("PRK", "RUS", "workers", "rail_tumangang"),
        ("CHN", "PRK", "food", "road_dandong"),
    ]
    records = []
    for r in range(RUNS):
        for m, date in enumerate(dates):
            for src, dst, good, route in lanes:
                if rng.random() < 0.2:  # some months ship nothing on a lane
                    continue
                shipped = float(rng.uniform(100, 1000))
                interdicted = shipped * float(rng.uniform(0.0, 0.3))
                records.append(
                    {
                        "replicate": r,
                        "month": m,
                        "date": date,
                        "src": src,
                        "dst": dst,
                        "good": good,
                        "route": route,
                        "shipped": shipped,
                        "delivered": shipped - interdicted,
                        "interdicted": interdicted,
                        "value": shipped * 2_000.0,
                    }
                )
    return pd.DataFrame.from_records(records)


def _results(*, flows: pd.DataFrame | None = None, seed: int = 7) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    metrics = _metrics_table(rng)
    return SimpleNamespace(
        metrics=metrics,
        flows=_flows_table(rng) if flows is None else flows,
        events=pd.DataFrame(columns=["replicate", "month", "date", "event", "kind", "detail"]),
        manifest={
            "scenario": "synthetic",
            "config": {"actors": {code: {} for code in ACTORS}},
            "seed": seed,
            "runs": RUNS,
        },
        path=None,
    )


def _written(fig: Figure, path: Path) -> Path:
    """A plot function's figure, written to ``path`` because ``out=path`` was given."""
    assert isinstance(fig, Figure)
    return path


def _assert_png(path: Path, *, min_side: int = 300) -> np.ndarray:
    assert path.is_file()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    height, width = image.shape[:2]
    assert min_side <= height <= 5000 and min_side <= width <= 5000
    assert float(image[..., :3].std()) > 0.01  # not a blank canvas
    return image


@pytest.fixture(scope="module")
def results() -> SimpleNamespace:
    return _results()


def test_key_metrics_exist_for_default_actors() -> None:
    known = set(metric_names(ACTORS))
    assert set(KEY_METRICS) <= known


def test_plot_metrics_writes_png(results: SimpleNamespace, tmp_path: Path) -> None:
    fig = plot_metrics(results, KEY_METRICS, out=tmp_path / "metrics.png")
    assert isinstance(fig, Figure)
    image = _assert_png(tmp_path / "metrics.png")
    assert image.shape[1] > image.shape[0] * 0.8  # a 3-column grid is not a thin strip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.png"]  # no temporary file left


def test_plot_metrics_single_metric(results: SimpleNamespace, tmp_path: Path) -> None:
    _assert_png(
        _written(plot_metrics(results, ["gdp_prk"], out=tmp_path / "one.png"), tmp_path / "one.png"),
        min_side=200,
    )


def test_unknown_metric_raises_and_names_known_metrics(results: SimpleNamespace, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Known metrics") as info:
        plot_metrics(results, ["tech_prk", "tech_nkr"], out=tmp_path / "bad.png")
    message = str(info.value)
    assert "tech_nkr" in message and "tech_prk" in message and "leakage_ratio" in message
    assert not (tmp_path / "bad.png").exists()


def test_known_metric_missing_from_table_raises(results: SimpleNamespace, tmp_path: Path) -> None:
    partial = SimpleNamespace(**{**vars(results), "metrics": results.metrics.drop(columns=["tech_prk"])})
    with pytest.raises(ValueError, match="not in this results"):
        plot_metrics(partial, ["tech_prk"], out=tmp_path / "x.png")


def test_empty_metric_list_raises(results: SimpleNamespace, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no metrics"):
        plot_metrics(results, [], out=tmp_path / "x.png")


def test_plot_flows_writes_png(results: SimpleNamespace, tmp_path: Path) -> None:
    _assert_png(_written(plot_flows(results, out=tmp_path / "flows.png"), tmp_path / "flows.png"))


def test_plot_flows_empty_table(tmp_path: Path) -> None:
    empty = pd.DataFrame(
        {
            "replicate": pd.Series(dtype="int32"),
            "month": pd.Series(dtype="int32"),
            "date": pd.Series(dtype="datetime64[ns]"),
            "src": pd.Series(dtype=str),
            "dst": pd.Series(dtype=str),
            "good": pd.Series(dtype=str),
            "route": pd.Series(dtype=str),
            "shipped": pd.Series(dtype="float64"),
            "delivered": pd.Series(dtype="float64"),
            "interdicted": pd.Series(dtype="float64"),
            "value": pd.Series(dtype="float64"),
        }
    )
    _assert_png(
        _written(plot_flows(_results(flows=empty), out=tmp_path / "flows.png"), tmp_path / "flows.png")
    )


def test_flow_medians_count_missing_months_as_zero() -> None:
    date = pd.Timestamp(START)
    flows = pd.DataFrame(
        {
            "replicate": [0, 1],
            "date": [date, date],
            "good": ["oil", "oil"],
            "route": ["sea", "sea"],
            "shipped": [10.0, 10.0],
            "delivered": [10.0, 5.0],
            "interdicted": [0.0, 5.0],
            "value": [100.0, 100.0],
        }
    )
    metrics = pd.DataFrame({"replicate": [0, 1, 2], "date": [date] * 3})  # replicate 2 ships nothing
    replicates, dates = _grid(metrics, flows)
    medians = _median_by(_with_values(flows), "good", ["oil"], replicates, dates)
    assert medians.loc[date, "oil"] == pytest.approx(50.0)  # median of 100, 50 and 0


def test_plot_ties_writes_png(results: SimpleNamespace, tmp_path: Path) -> None:
    _assert_png(_written(plot_ties(results, out=tmp_path / "ties.png"), tmp_path / "ties.png"))


def test_median_tie_matrix_is_symmetric(results: SimpleNamespace) -> None:
    first = pd.Timestamp(START)
    matrix = median_tie_matrix(results.metrics, ACTORS, first)
    assert matrix.shape == (4, 4)
    assert np.isnan(np.diag(matrix)).all()
    np.testing.assert_allclose(matrix, matrix.T)
    expected = results.metrics.loc[results.metrics["date"] == first, "tie_rus_prk"].median()
    assert matrix[0, 1] == pytest.approx(expected)


def test_plot_all_writes_three_figures(results: SimpleNamespace, tmp_path: Path) -> None:
    paths = plot_all(results, out_dir=tmp_path / "figs")
    assert [p.name for p in paths] == ["metrics.png", "flows.png", "ties.png"]
    for path in paths:
        _assert_png(path)


def test_quantile_bands() -> None:
    dates = pd.to_datetime(["2024-01-01"] * 5 + ["2024-02-01"] * 5)
    df = pd.DataFrame({"date": dates, "x": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0]})
    bands = quantile_bands(df, "x", q=(0.25, 0.5, 0.75))
    assert list(bands.columns) == ["low", "median", "high"]
    assert list(bands.index) == list(pd.to_datetime(["2024-01-01", "2024-02-01"]))
    np.testing.assert_allclose(bands["median"], [3.0, 30.0])
    np.testing.assert_allclose(bands["low"], [2.0, 20.0])
    np.testing.assert_allclose(bands["high"], [4.0, 40.0])
    with pytest.raises(ValueError):
        quantile_bands(df, "x", q=(0.9, 0.5, 0.1))


def test_axis_label_has_unit() -> None:
    assert axis_label("tech_prk", ACTORS) == "Technology level (PRK) (index [0, 1])"
    assert axis_label("shells_prk_to_rus", ACTORS).endswith("(rounds/month)")
    with pytest.raises(ValueError, match="Known metrics"):
        axis_label("nope", ACTORS)


def test_figures_survive_missing_and_nan_data(results: SimpleNamespace, tmp_path: Path) -> None:
    metrics = results.metrics.copy()
    metrics["threat_index"] = np.nan  # a metric with no values at all
    metrics["tie_prk_chn"] = np.nan
    metrics = metrics.drop(columns=["tie_chn_bloc"])  # a pair without a column
    flows = results.flows.assign(interdicted=0.0, delivered=results.flows["shipped"])
    odd = SimpleNamespace(**{**vars(results), "metrics": metrics, "flows": flows})
    _assert_png(
        _written(plot_metrics(odd, ["threat_index", "tech_prk"], out=tmp_path / "m.png"), tmp_path / "m.png"),
        min_side=200,
    )
    _assert_png(_written(plot_ties(odd, out=tmp_path / "t.png"), tmp_path / "t.png"))
    _assert_png(_written(plot_flows(odd, out=tmp_path / "f.png"), tmp_path / "f.png"))
    matrix = median_tie_matrix(metrics, ACTORS, pd.Timestamp(START))
    assert np.isnan(matrix[2, 3]) and np.isnan(matrix[1, 2])


def test_plot_ties_without_tie_metrics(results: SimpleNamespace, tmp_path: Path) -> None:
    metrics = results.metrics.drop(columns=[c for c in results.metrics.columns if c.startswith("tie_")])
    _assert_png(
        _written(
            plot_ties(SimpleNamespace(**{**vars(results), "metrics": metrics}), out=tmp_path / "t.png"),
            tmp_path / "t.png",
        )
    )


def test_plot_flows_rejects_missing_columns(results: SimpleNamespace, tmp_path: Path) -> None:
    broken = SimpleNamespace(**{**vars(results), "flows": results.flows.drop(columns=["route"])})
    with pytest.raises(ValueError, match="route"):
        plot_flows(broken, out=tmp_path / "f.png")
    assert not (tmp_path / "f.png").exists()


def test_figures_get_the_usual_file_permissions(tmp_path):
    import os

    from sanctionsim.atomic import write_text

    mask = os.umask(0)
    os.umask(mask)
    path = write_text(tmp_path / "note.md", "text")
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask
    assert path.read_text() == "text"


# ---------------------------------------------------------------------------------------------
# Figures for notebooks: returned, saved only when asked, the backend left alone
# ---------------------------------------------------------------------------------------------


def test_plot_functions_return_figures_and_write_nothing_unless_asked(
    results: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    before = plt.get_fignums()
    figures = [plot_metrics(results, ["tech_prk"]), plot_flows(results), plot_ties(results)]
    assert all(isinstance(fig, Figure) for fig in figures)
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert plt.get_fignums() == before  # not registered with pyplot: no double display, no leak
    png = figures[0]._repr_png_()  # what Jupyter shows for a figure returned by a cell
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("suffix", "magic", "date"), [("svg", b"<?xml", b"<dc:date>"), ("pdf", b"%PDF", b"/CreationDate")]
)
def test_figures_are_written_as_svg_and_pdf(
    results: SimpleNamespace, tmp_path: Path, suffix: str, magic: bytes, date: bytes
) -> None:
    path = tmp_path / f"ties.{suffix}"
    plot_ties(results, out=path)
    data = path.read_bytes()
    assert data.startswith(magic)
    assert (
        date not in data
    )  # no time stamp: a figure redrawn from the same results differs only in layout noise


def test_dpi_sets_the_resolution_of_a_png(results: SimpleNamespace, tmp_path: Path) -> None:
    fig = plot_metrics(results, ["tech_prk"], out=tmp_path / "low.png", dpi=50)
    plot_metrics(results, ["tech_prk"], out=tmp_path / "high.png", dpi=100)
    low, high = mpimg.imread(tmp_path / "low.png"), mpimg.imread(tmp_path / "high.png")
    width, height = fig.get_size_inches()
    assert low.shape[:2] == (round(50 * height), round(50 * width))
    assert high.shape[1] == 2 * low.shape[1]


def test_an_unknown_figure_format_is_refused_before_writing(results: SimpleNamespace, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"format 'gif'; expected a figure format, one of png, svg, pdf"):
        plot_ties(results, out=tmp_path / "ties.gif")
    with pytest.raises(ValueError, match="expected a figure format"):
        plot_all(results, out_dir=tmp_path / "figs", fmt="jpeg")
    assert list(tmp_path.iterdir()) == []


def test_plot_all_writes_the_format_asked_for(results: SimpleNamespace, tmp_path: Path) -> None:
    paths = plot_all(results, out_dir=tmp_path, fmt="svg")
    assert [p.name for p in paths] == ["metrics.svg", "flows.svg", "ties.svg"]
    assert all(p.read_bytes().startswith(b"<?xml") for p in paths)


def test_panel_titles_are_metric_descriptions_not_names(results: SimpleNamespace) -> None:
    fig = plot_metrics(results, ["shells_prk_to_rus", "tie_rus_prk"])
    titles = [ax.get_title(loc="left").replace("\n", " ") for ax in fig.axes if ax.get_visible()]
    assert titles == [label("shells_prk_to_rus", ACTORS), label("tie_rus_prk", ACTORS)]
    assert titles[0] == "Artillery rounds delivered PRK to RUS"
    assert fig.axes[0].get_ylabel() == "rounds/month"  # the unit on the axis


@pytest.mark.parametrize("module", ["sanctionsim", "sanctionsim.plotting", "sanctionsim.cli.app"])
def test_importing_sanctionsim_leaves_the_matplotlib_backend_alone(module: str, tmp_path: Path) -> None:
    """A notebook's backend (here 'svg', chosen before the import) is still in use after plotting."""
    import subprocess
    import sys

    code = (
        "import sys, matplotlib\n"
        "matplotlib.use('svg')\n"
        f"import {module}\n"
        "from sanctionsim.plotting import plot_metrics\n"
        "import tests.test_plotting as t\n"
        "fig = plot_metrics(t._results(), ['tech_prk'])\n"
        "import matplotlib.pyplot as plt\n"
        "print(matplotlib.get_backend(), plt.get_fignums())\n"
    )
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["svg", "[]"]
