"""Output metrics: the one registry of their names, units and meanings.

Scenario claims, observation files, tables and plots all use these names. Some
metrics exist once per actor, pair of actors or good; their names are built
from templates (``gdp_{actor}`` becomes ``gdp_prk``). Call
:func:`metric_names` with a scenario's actor codes for the full list and
:func:`describe` for one metric's unit and description.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from sanctionsim.goods import GOOD_NAMES, GOODS


@dataclass(frozen=True)
class Metric:
    """One output metric (or a template for a family of them).

    Attributes:
        name: Name, or template with ``{actor}``, ``{a}``/``{b}`` (pair) or ``{good}``.
        unit: Unit of the monthly value.
        description: What it measures.
        direction: +1 if higher is better for the sanctioning bloc's stated
            goals, -1 if lower is better, 0 if neutral. Used by comparisons to
            state P(change in the good direction).
        flow: True if the value is a monthly flow (sums over time make sense);
            False for levels and ratios (average them).
    """

    name: str
    unit: str
    description: str
    direction: int = 0
    flow: bool = False


# Metrics with a fixed name.
GLOBAL_METRICS: tuple[Metric, ...] = (
    Metric("shells_prk_to_rus", "rounds/month", "Artillery rounds delivered DPRK to Russia", -1, True),
    Metric("missiles_prk_to_rus", "missiles/month", "Ballistic missiles delivered DPRK to Russia", -1, True),
    Metric(
        "containers_prk_to_rus",
        "containers/month",
        "Shipping containers of munitions delivered DPRK to Russia (rounds / rounds_per_container)",
        -1,
        True,
    ),
    Metric("oil_rus_to_prk", "barrels/month", "Refined petroleum delivered Russia to DPRK", -1, True),
    Metric(
        "oil_to_prk_total", "barrels/month", "Refined petroleum delivered to DPRK from all partners", -1, True
    ),
    Metric(
        "tech_rus_to_prk",
        "transfer units/month",
        "Technology transfer units delivered Russia to DPRK",
        -1,
        True,
    ),
    Metric("workers_prk_in_rus", "person-months/month", "DPRK workers employed in Russia", -1, True),
    Metric("troops_prk_in_rus", "person-months/month", "DPRK troops deployed with Russia", -1, True),
    Metric("cash_rus_to_prk", "USD/month", "Hard currency settled Russia to DPRK", -1, True),
    Metric("food_rus_to_prk", "tonnes/month", "Food delivered Russia to DPRK", 0, True),
    Metric("sanctioned_attempted_value", "USD/month", "Value of sanctioned flows shipped", -1, True),
    Metric("sanctioned_delivered_value", "USD/month", "Value of sanctioned flows delivered", -1, True),
    Metric("interdicted_value", "USD/month", "Value of sanctioned flows interdicted", 1, True),
    Metric(
        "leakage_ratio",
        "share",
        "Sanctioned value delivered / sanctioned value shipped (1 when nothing is shipped)",
        -1,
    ),
    Metric("compliance_chn", "share", "China's compliance with the sanctions regime, in [0, 1]", 1),
    Metric("enforcement_effort", "effort units", "Enforcers' total interdiction effort", 0),
    Metric("enforcement_cost", "USD/month", "Enforcers' spending on monitoring and interdiction", -1, True),
    Metric(
        "munitions_sufficiency_rus",
        "ratio",
        "Russia's shell supply (production + imports) / need this month",
        -1,
    ),
    Metric("war_demand_rus", "rounds/month", "Russia's artillery need this month", 0),
    Metric(
        "threat_index", "index", "Capability of the RUS-PRK partnership weighted by its tie, vs the bloc", -1
    ),
    Metric("frustration", "share", "Axelrod-Bennett landscape frustration of the tie matrix, in [0, 1]", 1),
    Metric("energy", "index", "Axelrod-Bennett landscape energy of the tie matrix (lower: more settled)", 0),
    Metric(
        "prk_recorded_trade",
        "USD/month",
        "DPRK trade through open (recorded) routes, both directions",
        0,
        True,
    ),
    Metric("chn_share_prk_trade", "share", "China's share of DPRK recorded trade", 0),
    Metric(
        "barter_share_rus_prk", "share", "Share of Russia-DPRK trade value settled by netting (barter)", -1
    ),
    Metric("arrears_rus_prk", "USD", "Unsettled Russia-DPRK balance (owed to the creditor)", 1),
    Metric("prk_arms_earnings", "USD/month", "Value of arms and labour DPRK delivered abroad", -1, True),
)

#: The headline outcomes: summary tables, default figures and comparisons use these.
KEY_METRICS: tuple[str, ...] = (
    "shells_prk_to_rus",
    "oil_rus_to_prk",
    "workers_prk_in_rus",
    "tech_prk",
    "leakage_ratio",
    "compliance_chn",
    "munitions_sufficiency_rus",
    "gdp_growth_prk",
    "tie_rus_prk",
    "threat_index",
)

# Metrics built per actor, with {actor} the lower-case actor code.
ACTOR_METRICS: tuple[Metric, ...] = (
    Metric("gdp_{actor}", "USD/year", "GDP at annual rate", 0),
    Metric(
        "gdp_growth_{actor}",
        "1/year",
        "Year-on-year GDP growth (annualised monthly growth before month 12)",
        0,
    ),
    Metric("reserves_{actor}", "USD", "Foreign-currency reserves (stock of cash)", 0),
    Metric("tech_{actor}", "index [0, 1]", "Technology level", 0),
    Metric("capability_{actor}", "index", "Military capability (Richardson dynamics)", 0),
    Metric("shortfall_{actor}", "share", "Value-weighted unmet need this month, in [0, 1]", 0),
)

# Metrics built per unordered pair of actors, {a} before {b} in scenario order.
PAIR_METRICS: tuple[Metric, ...] = (Metric("tie_{a}_{b}", "index [-1, 1]", "Tie between the two actors", 0),)

# Metrics built per good and actor.
STOCK_METRICS: tuple[Metric, ...] = (Metric("stock_{good}_{actor}", "good unit", "Stock at month end", 0),)

# Good directions of per-actor and per-pair instances, for the bloc's goals.
_DIRECTIONS: dict[str, int] = {
    "tie_rus_prk": -1,  # a weaker RUS-PRK tie is the bloc's goal
    "tech_prk": -1,
    "capability_prk": -1,
    "capability_rus": -1,
    "gdp_prk": -1,
    "gdp_rus": -1,
    "gdp_growth_prk": -1,
    "gdp_growth_rus": -1,
}


def metric_names(actors: Sequence[str]) -> list[str]:
    """Return every metric name for a scenario with these actor codes, in table order."""
    return list(_expand(actors))


def _expand(actors: Sequence[str]) -> dict[str, Metric]:
    codes = [a.lower() for a in actors]
    out: dict[str, Metric] = {m.name: m for m in GLOBAL_METRICS}
    for m in ACTOR_METRICS:
        for a in codes:
            name = m.name.format(actor=a)
            out[name] = Metric(
                name, m.unit, f"{m.description} ({a.upper()})", _DIRECTIONS.get(name, 0), m.flow
            )
    for m in PAIR_METRICS:
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                name = m.name.format(a=a, b=b)
                desc = f"{m.description} ({a.upper()}-{b.upper()})"
                out[name] = Metric(name, m.unit, desc, _DIRECTIONS.get(name, 0), m.flow)
    for m in STOCK_METRICS:
        for g in GOODS:
            for a in codes:
                name = m.name.format(good=g.name, actor=a)
                out[name] = Metric(name, g.unit, f"Stock of {g.name} at month end ({a.upper()})", 0, False)
    return out


def describe(name: str, actors: Sequence[str]) -> Metric:
    """Return the :class:`Metric` called ``name`` for a scenario with these actors.

    Raises:
        ValueError: If the name is unknown; the message lists close matches and
            every known name.
    """
    known = _expand(actors)
    if name in known:
        return known[name]
    raise ValueError(unknown_metric_message(name, list(known)))


def unknown_metric_message(name: str, known: Sequence[str]) -> str:
    """Build the error message for an unknown metric name."""
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return f"unknown metric {name!r}.{hint} Known metrics: {', '.join(known)}"


__all__ = ["GOOD_NAMES", "KEY_METRICS", "Metric", "describe", "metric_names", "unknown_metric_message"]
