"""The parts of the dashboard page: each takes the :class:`DashboardModel` and shows one view.

SolaraViz re-renders every part after each step. Tables carry ``data-metric`` and ``data-col``
attributes, so a browser test (and a screen reader) can find a value without parsing figures.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

import pandas as pd
import solara
from matplotlib.figure import Figure

from sanctionsim.dashboard.figures import PINNED_COLOR, metrics_figure, network_figure, ties_figure
from sanctionsim.dashboard.model import DashboardModel
from sanctionsim.dashboard.views import event_log, flow_matrix, latest_numbers, tie_matrices
from sanctionsim.formatting import format_number
from sanctionsim.metrics import KEY_METRICS
from sanctionsim.plotting.style import LINE_COLOR

#: Resolution of the figures on the page.
DPI: int = 100

_TABLE_CSS = """
.ss-table { border-collapse: collapse; font-size: 13px; width: 100%; }
.ss-table th, .ss-table td { padding: 3px 8px; border-bottom: 1px solid #e0e0e0; text-align: right; }
.ss-table th:first-child, .ss-table td:first-child { text-align: left; }
.ss-table td.ss-text { text-align: left; }
.ss-table caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0; }
.ss-muted { color: #666; }
"""


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _month_label(model: DashboardModel, month: int) -> str:
    return f"{model.current.date(month):%b %Y}"


def _needs_a_step(model: DashboardModel) -> bool:
    return model.month == 0


# ------------------------------------------------------------------------------------ header
@solara.component
def ConfigurationPanel(model: DashboardModel, month: int) -> None:
    """Scenario, progress, the configuration's changes, pin and save."""
    message, set_message = solara.use_state("")
    default_name = f"{model.source.name.replace('/', '-')}-dashboard.yaml"
    file_name, set_file_name = solara.use_state(default_name)
    _, set_pins = solara.use_state(0)  # re-render after a pin

    def pin() -> None:
        model.pin()
        set_pins(lambda n: n + 1)
        set_message("Pinned. Move levers, press Reset: the new configuration runs beside the pinned one.")
        _refresh()

    def unpin() -> None:
        model.unpin()
        set_pins(lambda n: n + 1)
        set_message("")
        _refresh()

    def save() -> None:
        try:
            path = model.save(file_name)
        except (ValueError, OSError) as err:
            set_message(f"Not saved: {err}")
            return
        set_message(f"Saved {path}. Reproduce it: {model.reproduce(path)}")

    config = model.configuration.config
    solara.Style(_TABLE_CSS + ".v-tabs { display: none; }")  # one page: no tab bar
    if month == 0:
        progress = "Nothing simulated yet: press <b>Step</b> or ▶ in the sidebar."
    else:
        progress = (
            f"Simulated <b>{month} of {config.months}</b> months, {_month_label(model, 0)} "
            f"to <b>{_month_label(model, month - 1)}</b>."
        )
    lines = [
        f"Scenario <b>{html.escape(model.source.name)}</b> · {model.n_replicates} replicates · seed "
        f"{model.seed} · {config.months} months, {_month_label(model, 0)} to "
        f"{_month_label(model, config.months - 1)}",
        progress + " Moved levers take effect on <b>Reset</b>.",
    ]
    if model.pinned is not None:
        lines.append(
            "<span style='color:" + PINNED_COLOR + "'><b>Pinned</b></span> and "
            "<span style='color:" + LINE_COLOR + "'><b>current</b></span> share the seed and replicates: "
            "replicate <i>i</i> of both draws the same random numbers, so differences are paired."
        )
    with solara.Card(model.source.config.title, margin=0), solara.Column(gap="6px"):
        solara.HTML(tag="div", unsafe_innerHTML="<br>".join(lines), classes=["ss-status-lines"])
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button("Pin current configuration", on_click=pin, color="primary", outlined=True)
            solara.Button("Unpin", on_click=unpin, disabled=model.pinned is None, outlined=True)
            solara.InputText("Scenario file", value=file_name, on_value=set_file_name, continuous_update=True)
            solara.Button("Save as scenario", on_click=save, color="primary")
        if message:
            solara.HTML(tag="div", unsafe_innerHTML=html.escape(message), classes=["ss-message"])


def _refresh() -> None:
    from mesa.visualization.utils import force_update

    force_update()


def configuration_panel(model: DashboardModel) -> solara.Element:
    """The header card (a SolaraViz component)."""
    return ConfigurationPanel(model=model, month=model.month)


# ------------------------------------------------------------------------------------ levers
def levers_panel(model: DashboardModel) -> solara.Element:
    """The levers as applied: current, pinned and the scenario's value, in the sliders' units."""
    pinned = model.pins.values if model.pinned is not None else None
    head = (
        "<th>Lever [unit]</th><th>Current</th>" + ("<th>Pinned</th>" if pinned else "") + "<th>Scenario</th>"
    )
    rows = []
    for c in model.controls:
        cells = [f"<td class='ss-text' title='{html.escape(c.path)}'>{html.escape(c.label)}</td>"]
        values = [model.values[c.name], *([pinned[c.name]] if pinned else []), c.default]
        for col, value in zip(("current", *(["pinned"] if pinned else []), "scenario"), values, strict=True):
            moved = col != "scenario" and value != c.default
            style = " style='font-weight:600'" if moved else ""
            cells.append(f"<td data-col='{col}'{style}>{_lever_text(c.to_slider(value))}</td>")
        rows.append(f"<tr data-lever='{html.escape(c.name)}'>{''.join(cells)}</tr>")
    caption = "Levers applied at the last Reset (bold: moved from the scenario)"
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<table class='ss-table ss-levers'><caption>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        ),
    )


def _lever_text(value: float | bool) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:.4g}"


# ------------------------------------------------------------------------------- key numbers
def key_numbers(model: DashboardModel) -> solara.Element:
    """The last simulated month of the key metrics, as a table."""
    tables = model.tables("current")
    if tables is None or _needs_a_step(model):
        return solara.HTML(
            tag="div", unsafe_innerHTML="<b>Key metrics</b>: press Step to simulate the first month."
        )
    pinned = model.tables("pinned")
    frame = latest_numbers(
        tables.metrics, None if pinned is None else pinned.metrics, KEY_METRICS, model.current.codes
    )
    return solara.HTML(tag="div", unsafe_innerHTML=_numbers_html(frame, model))


def _numbers_html(frame: pd.DataFrame, model: DashboardModel) -> str:
    pinned = "pinned_median" in frame.columns
    caption = (
        f"Key metrics in {_month_label(model, model.month - 1)}: median and 10–90% band of "
        f"{model.n_replicates} replicates"
    )
    head = "<th>Metric</th><th>Unit</th><th>Median</th><th>10%</th><th>90%</th>"
    if pinned:
        head += "<th>Pinned median</th><th>Paired difference (10–90%)</th>"
    rows = []
    for row in frame.itertuples():
        cells = [
            f"<td class='ss-text' title='{html.escape(row.metric)}'>{html.escape(row.description)}</td>",
            f"<td class='ss-text ss-muted'>{html.escape(row.unit)}</td>",
            f"<td data-col='median' data-value='{row.median!r}'>{format_number(row.median)}</td>",
            f"<td data-col='low'>{format_number(row.low)}</td>",
            f"<td data-col='high'>{format_number(row.high)}</td>",
        ]
        if pinned:
            cells += [
                f"<td data-col='pinned_median' data-value='{row.pinned_median!r}'>"
                f"{format_number(row.pinned_median)}</td>",
                f"<td data-col='diff' data-value='{row.diff_median!r}'>{format_number(row.diff_median)} "
                f"({format_number(row.diff_low)} to {format_number(row.diff_high)})</td>",
            ]
        rows.append(f"<tr data-metric='{html.escape(row.metric)}'>{''.join(cells)}</tr>")
    return (
        f"<table class='ss-table ss-key-numbers'><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


# ---------------------------------------------------------------------------------- figures
def _figure(make: Callable[[], Figure], *, name: str) -> solara.Element:
    return solara.Image(_png(make()), width="100%", classes=[f"ss-figure-{name}"])


def metrics_panel(model: DashboardModel) -> solara.Element:
    """Key metrics over time: medians and 10–90% bands, current and pinned."""
    tables = model.tables("current")
    pinned = model.tables("pinned")
    config = model.configuration.config
    span = (model.current.date(0), model.current.date(config.months - 1))

    def make() -> Figure:
        fig = metrics_figure(
            tables.metrics if tables is not None else pd.DataFrame(),
            None if pinned is None else pinned.metrics,
            KEY_METRICS,
            model.current.codes,
            span=span,
        )
        fig.suptitle(
            f"Key metrics by month, {model.n_replicates} replicates: median and 10–90% band",
            fontsize=11,
            x=0.01,
            ha="left",
        )
        return fig

    return _figure(make, name="metrics")


def flows_panel(model: DashboardModel) -> solara.Element:
    """Flows between actors in the last simulated month, as a network."""
    tables = model.tables("current")
    month = model.month - 1

    def make() -> Figure:
        if tables is None or month < 0:
            frame = pd.DataFrame(columns=["src", "dst", "delivered_value", "interdicted_value", "main_good"])
            title = "Flows between actors: press Step"
        else:
            frame = flow_matrix(
                tables.flows, month=month, replicates=model.n_replicates, actors=model.current.codes
            )
            title = f"Value delivered in {_month_label(model, month)} (USD, median of replicates)"
        return network_figure(frame, model.current.codes, title=title)

    return _figure(make, name="flows")


def ties_panel(model: DashboardModel) -> solara.Element:
    """The tie matrix in the last simulated month (and its paired difference from the pin)."""
    tables = model.tables("current")
    pinned = model.tables("pinned")

    def make() -> Figure:
        codes = model.current.codes
        if tables is None or _needs_a_step(model):
            import numpy as np

            empty = np.full((len(codes), len(codes)), np.nan)
            return ties_figure(empty, None, codes, title="Ties between actors: press Step")
        median, diff = tie_matrices(tables.metrics, None if pinned is None else pinned.metrics, codes)
        return ties_figure(median, diff, codes, title=f"Ties in {_month_label(model, model.month - 1)}")

    return _figure(make, name="ties")


# -------------------------------------------------------------------------------- event log
def event_panel(model: DashboardModel) -> solara.Element:
    """The events fired so far: when, in what share of replicates, and what happened."""
    tables = model.tables("current")
    if tables is None or _needs_a_step(model):
        return solara.HTML(tag="div", unsafe_innerHTML="<b>Event log</b>: nothing has happened yet.")
    log = event_log(tables.events, replicates=model.n_replicates)
    if log.empty:
        return solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>Event log</b>: no event to {_month_label(model, model.month - 1)}.",
        )
    caption = f"Event log to {_month_label(model, model.month - 1)} ({len(log)} events)"
    rows = [
        f"<tr data-event='{html.escape(r.event)}'><td>{html.escape(r.event)}</td>"
        f"<td class='ss-text'>{html.escape(r.kind)}</td><td>{r.first:%b %Y}</td><td>{r.last:%b %Y}</td>"
        f"<td>{100 * r.share:.0f}%</td><td class='ss-text'>{html.escape(r.detail)}</td></tr>"
        for r in log.itertuples()
    ]
    head = "<th>Event</th><th>Kind</th><th>First</th><th>Last</th><th>Replicates</th><th>What happened</th>"
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<table class='ss-table ss-events'><caption>{html.escape(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        ),
    )


#: The page's parts in order, with the grid cells they take (x, y, width, height in 12 columns and
#: 30-pixel rows).
PANELS: tuple[tuple[Callable[[DashboardModel], solara.Element], tuple[int, int, int, int]], ...] = (
    (configuration_panel, (0, 0, 12, 6)),
    (metrics_panel, (0, 6, 12, 12)),
    (key_numbers, (0, 18, 12, 10)),
    (flows_panel, (0, 28, 6, 11)),
    (ties_panel, (6, 28, 6, 11)),
    (levers_panel, (0, 39, 5, 10)),
    (event_panel, (5, 39, 7, 10)),
)

__all__ = ["LINE_COLOR", "PANELS", "PINNED_COLOR"]
