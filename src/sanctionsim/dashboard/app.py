"""The SolaraViz page: the dashboard model, its sliders and the page's parts, laid out.

``solara`` serves :func:`Page` (``sanctionsim.dashboard.app:Page``); :func:`configure` says which
scenario it opens, and :func:`dashboard` returns the same page for a notebook cell. Each browser
session gets its own model and pin board.

Mesa's SolaraViz places the parts in a draggable grid of half-width cells of equal height; the
dashboard's parts differ in size, so this module gives SolaraViz the cells listed in
:data:`sanctionsim.dashboard.components.PANELS` instead (Mesa looks the layout function up when
it first renders a page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa.visualization.solara_viz as solara_viz
import solara
from mesa.visualization import SolaraViz

from sanctionsim.dashboard.components import PANELS
from sanctionsim.dashboard.controls import DEFAULT_REPLICATES, model_params
from sanctionsim.dashboard.model import DashboardModel, PinBoard

#: Milliseconds between months while playing.
PLAY_INTERVAL_MS: int = 300


@dataclass(frozen=True)
class DashboardSettings:
    """What the served dashboard opens.

    Attributes:
        source: Scenario file, or name under ``scenarios/``.
        replicates: Initial ensemble size.
        seed: Initial seed (``None``: the scenario's).
        save_dir: Folder for scenario files saved from the page.
        root: A scenarios folder to look in as well (``--root``).
    """

    source: str = "baseline"
    replicates: int = DEFAULT_REPLICATES
    seed: int | None = None
    save_dir: str = "."
    root: str | None = None


_settings = DashboardSettings()


def configure(settings: DashboardSettings) -> None:
    """Set what :func:`Page` opens (the server calls this before it starts)."""
    global _settings
    _settings = settings


def panel_layout(num_components: int) -> list[dict[str, Any]]:
    """Grid cells of the page's parts (Mesa's ``make_initial_grid_layout`` signature)."""
    if num_components != len(PANELS):
        return _mesa_layout(num_components)
    return [
        {"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False} for i, (_, (x, y, w, h)) in enumerate(PANELS)
    ]


_mesa_layout = solara_viz.make_initial_grid_layout
solara_viz.make_initial_grid_layout = panel_layout


def _session(settings: DashboardSettings) -> tuple[DashboardModel, dict[str, Any]]:
    """A new model and pin board, and the sliders of its scenario."""
    pins = PinBoard()
    model = DashboardModel(
        source=settings.source,
        replicates=settings.replicates,
        seed=settings.seed,
        pins=pins,
        save_dir=settings.save_dir,
        root=settings.root,
    )
    params = model_params(
        model.controls,
        replicates=model.n_replicates,
        seed=model.seed,
        fixed={"source": settings.source, "pins": pins, "save_dir": settings.save_dir, "root": settings.root},
    )
    return model, params


def _viz(model: DashboardModel, params: dict[str, Any]) -> solara.Element:
    return SolaraViz(
        model,
        components=[(part, 0) for part, _ in PANELS],
        model_params=params,
        name=f"sanctionsim dashboard: {model.source.config.title}",
        play_interval=PLAY_INTERVAL_MS,
    )


def dashboard(settings: DashboardSettings | None = None) -> solara.Element:
    """The dashboard page with a new model and pin board.

    In a notebook, ``dashboard(DashboardSettings(source="baseline"))`` as the last line of a cell
    shows it.
    """
    return _viz(*_session(settings or _settings))


@solara.component
def Page() -> None:
    """The served page: one model and pin board per browser session."""
    model, params = solara.use_memo(lambda: _session(_settings), [])
    solara.Title("sanctionsim dashboard")
    _viz(model, params)
