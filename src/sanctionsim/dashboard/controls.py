"""The dashboard's levers: one table of control -> scenario path, unit and range.

:data:`CONTROLS` is the only place that says which scenario values the dashboard lets a user move.
Each row names a path pattern in the scenario file; :func:`scenario_controls` expands the patterns
against one scenario (one slider per enforcer, per sanctions regime, per treaty event) and reads
everything else from elsewhere:

- the default of each control is the scenario's own value (schema defaults filled in);
- its unit is the schema field's unit (``[...]`` in the field description) unless the table
  names a clearer one;
- its range is the schema's bounds, narrowed by the table where the schema leaves it open.

A treaty is not a schema field but a parameter (``treaty.<A>.<B>``) that events add or set, so its
control addresses the value inside the event, by the event's name:
``events[treaty_signed].add.treaty.RUS.PRK``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sanctionsim.reference import schema_fields
from sanctionsim.scenario.schema import ScenarioConfig, field_bounds

#: Ensemble size the dashboard starts with: enough for 10-90% bands, one step stays instant.
DEFAULT_REPLICATES: int = 100
#: Largest ensemble the slider offers.
MAX_REPLICATES: int = 1000
#: Seeds the seed slider offers (0 to this, or to the scenario's seed if larger).
MAX_SEED: int = 999
#: Positions of a float slider between its bounds.
SLIDER_STEPS: int = 100

Kind = Literal["float", "bool"]
#: A key path into a scenario document; an event is addressed by ``("events", <name>)``.
KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class ControlRow:
    """One row of the control table: a lever or uncertainty and where it lives in a scenario.

    Attributes:
        key: Stem of the keyword the dashboard model takes (``budget`` becomes ``budget_bloc``).
        short: What the slider says (the sidebar is narrow).
        label: What the levers table says.
        pattern: Path pattern of the schema field, placeholders as in ``docs/parameters.md``
            (``actors.<CODE>.enforcement_budget``), or ``events.<event>.<action>.treaty.<A>.<B>``.
        kind: ``float`` (a slider) or ``bool`` (a switch).
        unit: Unit shown with the label; ``None`` takes the schema field's unit.
        low: Lower end of the slider; ``None`` takes the schema's lower bound.
        high: Upper end of the slider; ``None`` takes the schema's upper bound.
        high_factor: If given, the upper end is this multiple of the scenario's value (at least ``high``).
        scale: The slider shows ``value / scale`` (``1e6`` shows USD/month in millions).

    A pattern with ``<CODE>`` gives one control per enforcer actor, ``<regime>`` one per sanctions
    regime, and ``<event>`` one per treaty that an event adds or sets.
    """

    key: str
    short: str
    label: str
    pattern: str
    kind: Kind = "float"
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    high_factor: float | None = None
    scale: float = 1.0


#: The levers and main uncertainties the dashboard offers, in the order the sidebar shows them.
CONTROLS: tuple[ControlRow, ...] = (
    ControlRow(
        "budget",
        "Budget, {CODE}",
        "Enforcement budget, {CODE}",
        "actors.<CODE>.enforcement_budget",
        unit="USD M/month",
        high=100e6,
        high_factor=5.0,
        scale=1e6,
    ),
    ControlRow(
        "secondary", "Secondary, {regime}", "Secondary sanctions, {regime}", "sanctions.<regime>.secondary"
    ),
    ControlRow(
        "monitoring",
        "Monitoring",
        "Monitoring capacity",
        "enforcement.monitoring",
        unit="UN panel = 1",
        high=3.0,
    ),
    ControlRow(
        "war_intensity", "War intensity", "War intensity", "war.intensity", unit="x fire rate", high=2.0
    ),
    ControlRow(
        "treaty",
        "Treaty {A}-{B}",
        "Treaty commitment {A}-{B} ({event})",
        "events.<event>.<action>.treaty.<A>.<B>",
        unit="tie-target lift",
        low=0.0,
        high=1.0,
    ),
    ControlRow(
        "china_stance",
        "{actor} stance",
        "{actor}'s disposition to comply",
        "compliance.intercept",
        unit="logit",
        low=-4.0,
        high=4.0,
    ),
    ControlRow(
        "adaptive",
        "Adaptive bloc",
        "Bloc escalates when it detects flows",
        "adaptive_policy.enabled",
        kind="bool",
    ),
)


@dataclass(frozen=True)
class Control:
    """One control expanded for a scenario.

    Attributes:
        name: Keyword of the dashboard model (``budget_bloc``, ``secondary_un_dprk``).
        short: The slider's label, e.g. ``"Budget, BLOC"``.
        label: Label with its unit, e.g. ``"Enforcement budget, BLOC [USD M/month]"``.
        keys: Where the value lives in a scenario document.
        path: ``keys`` written as one dotted path, for people (``sanctions.un_dprk.secondary``).
        kind: ``float`` or ``bool``.
        default: The scenario's value (in scenario units, not slider units).
        low: Slider minimum, in scenario units.
        high: Slider maximum, in scenario units.
        scale: The slider shows ``value / scale``.
        unit: The unit shown.
    """

    name: str
    short: str
    label: str
    keys: KeyPath
    path: str
    kind: Kind
    default: float | bool
    low: float
    high: float
    scale: float
    unit: str

    def to_slider(self, value: float | bool) -> float | bool:
        """The slider position of a scenario value."""
        return bool(value) if self.kind == "bool" else float(value) / self.scale

    def from_slider(self, position: float | bool) -> float | bool:
        """The scenario value of a slider position; the scenario's own value when they agree.

        Slider positions are in display units (``value / scale``), so a round trip can be off in the
        last bit; a position within 1e-12 (relative) of the default gives the default exactly.
        """
        if self.kind == "bool":
            return bool(position)
        value = float(position) * self.scale
        if math.isclose(value, float(self.default), rel_tol=1e-12, abs_tol=1e-300):
            return float(self.default)
        return value

    def check(self, value: float | bool) -> float | bool:
        """The value (scenario units) if it is in range; else a ``ValueError`` naming the control."""
        if self.kind == "bool":
            if not isinstance(value, bool | int) or value not in (0, 1):
                raise ValueError(f"{self.name} ({self.path}): expected true or false, got {value!r}")
            return bool(value)
        number = float(value)
        if not (math.isfinite(number) and self.low <= number <= self.high):
            raise ValueError(
                f"{self.name} ({self.path}): expected a value in [{self.low:g}, {self.high:g}], got {value!r}"
            )
        return number

    def slider_param(self) -> dict[str, Any]:
        """The control as a SolaraViz ``model_params`` entry (a slider or a checkbox)."""
        if self.kind == "bool":
            return {"type": "Checkbox", "value": bool(self.default), "label": self.short}
        low, high = self.low / self.scale, self.high / self.scale
        return {
            "type": "SliderFloat",
            "value": float(self.to_slider(self.default)),
            "label": self.short,
            "min": low,
            "max": high,
            "step": _nice_step((high - low) / SLIDER_STEPS),
        }


def _nice_step(raw: float) -> float:
    """The 1, 2 or 5 times a power of ten at or below ``raw`` (a slider step that reads well)."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (5.0, 2.0, 1.0) if m * power <= raw)


def _schema_units() -> dict[str, str | None]:
    return {f.path: f.unit for f in schema_fields()}


def _dotted(keys: KeyPath) -> str:
    if keys[0] == "events":
        return f"events[{keys[1]}].{'.'.join(keys[2:])}"
    return ".".join(keys)


def _expansions(row: ControlRow, config: ScenarioConfig) -> Iterator[tuple[str, str, str, KeyPath]]:
    """Yield ``(name, short, label, keys)`` for each place in the scenario the row applies to."""
    if "<CODE>" in row.pattern:
        for code, actor in config.actors.items():
            if actor.enforcer:
                keys = tuple(row.pattern.replace("<CODE>", code).split("."))
                yield (
                    f"{row.key}_{code.lower()}",
                    row.short.format(CODE=code),
                    row.label.format(CODE=code),
                    keys,
                )
    elif "<regime>" in row.pattern:
        for regime in config.sanctions:
            keys = tuple(row.pattern.replace("<regime>", regime).split("."))
            yield (
                f"{row.key}_{regime}",
                row.short.format(regime=regime),
                row.label.format(regime=regime),
                keys,
            )
    elif "<event>" in row.pattern:
        for event in config.events:
            for action in ("set", "add"):
                for target in getattr(event, action):
                    parts = target.split(".")
                    if len(parts) == 3 and parts[0] == "treaty":
                        a, b = parts[1], parts[2]
                        when = f"{event.name}, {event.at or 'conditional'}"
                        yield (
                            f"{row.key}_{a.lower()}_{b.lower()}",
                            row.short.format(A=a, B=b),
                            row.label.format(A=a, B=b, event=when),
                            ("events", event.name, action, target),
                        )
    else:
        third = config.compliance.actor
        yield (
            row.key,
            row.short.format(actor=third),
            row.label.format(actor=third),
            tuple(row.pattern.split(".")),
        )


def read_value(document: Mapping[str, Any], keys: KeyPath) -> Any:
    """Read the value at ``keys`` from a scenario document (events found by name).

    Raises:
        KeyError: If the path is not in the document.
    """
    node: Any = document
    i = 0
    while i < len(keys):
        key = keys[i]
        if key == "events" and i == 0:
            node = next(e for e in document.get("events", []) if e["name"] == keys[1])
            i += 2
            continue
        node = node[key]
        i += 1
    return node


def scenario_controls(config: ScenarioConfig) -> list[Control]:
    """Expand :data:`CONTROLS` for one scenario: names, labels with units, defaults and ranges.

    Args:
        config: The validated scenario the dashboard starts from.

    Returns:
        One :class:`Control` per lever that the scenario has, in table order.
    """
    data = config.model_dump(mode="python")
    units = _schema_units()
    out: list[Control] = []
    for row in CONTROLS:
        for name, short, label, keys in _expansions(row, config):
            default = read_value(data, keys)
            unit = row.unit or units.get(row.pattern) or "-"
            if row.kind == "bool":
                out.append(
                    Control(
                        name, short, label, keys, _dotted(keys), "bool", bool(default), 0.0, 1.0, 1.0, unit
                    )
                )
                continue
            lowest, highest = field_bounds(".".join(keys)) if keys[0] != "events" else (-math.inf, math.inf)
            low = lowest if row.low is None else max(lowest, row.low)
            high = highest if row.high is None else min(highest, row.high)
            if row.high_factor is not None:
                high = min(highest, max(high, row.high_factor * float(default)))
            low, high = min(low, float(default)), max(high, float(default))  # the scenario's value fits
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ValueError(f"control {name} ({_dotted(keys)}): the table must bound an open range")
            out.append(
                Control(
                    name=name,
                    short=short,
                    label=f"{label} [{unit}]",
                    keys=keys,
                    path=_dotted(keys),
                    kind="float",
                    default=float(default),
                    low=low,
                    high=high,
                    scale=row.scale,
                    unit=unit,
                )
            )
    return out


def model_params(
    controls: list[Control], *, replicates: int, seed: int, fixed: Mapping[str, Any]
) -> dict[str, Any]:
    """SolaraViz ``model_params``: a slider or switch per control, ensemble size and seed, fixed values.

    Args:
        controls: From :func:`scenario_controls`.
        replicates: Initial ensemble size.
        seed: Initial seed.
        fixed: Keyword arguments passed unchanged to every new model (the scenario, the pin board).
    """
    params: dict[str, Any] = dict(fixed)
    params["replicates"] = {
        "type": "SliderInt",
        "value": replicates,
        "label": "Ensemble size [replicates]",
        "min": min(10, replicates),
        "max": max(MAX_REPLICATES, replicates),
        "step": 10,
    }
    params["seed"] = {
        "type": "SliderInt",
        "value": seed,
        "label": "Seed",
        "min": 0,
        "max": max(MAX_SEED, seed),
        "step": 1,
    }
    for control in controls:
        params[control.name] = control.slider_param()
    return params
