"""The goods actors trade: the single list every other module reads.

A good's *unit* is fixed here; its unit value, whether it is sanctioned and the
routes it may take are scenario parameters (see ``scenario/schema.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Good:
    """One tradeable good.

    Attributes:
        name: Identifier used in scenario files, metric names and tables.
        unit: Physical unit of one quantity of the good.
        personnel: True for people (workers, troops): their stock at a host is the people deployed
            there, who serve (their services are billed monthly) rather than being consumed, and
            who move only by deployment (:mod:`sanctionsim.model.processes.deployment`).
        description: One line for docs and plots.
    """

    name: str
    unit: str
    personnel: bool
    description: str


GOODS: tuple[Good, ...] = (
    Good("shells", "rounds", False, "Artillery ammunition (122/152 mm equivalent rounds)"),
    Good("missiles", "missiles", False, "Short-range ballistic missiles (KN-23/24 class)"),
    Good("oil", "barrels", False, "Refined petroleum products (and crude refined at home), in barrels"),
    Good("food", "tonnes", False, "Grain and foodstuffs"),
    Good("workers", "persons", True, "Workers abroad: the stock at a host is the people working there"),
    Good(
        "troops",
        "persons",
        True,
        "Military personnel abroad: the stock at a host is the people serving there",
    ),
    Good("technology", "transfer units", False, "Dual-use and military technology transfers"),
    Good("manufactures", "kUSD", False, "Consumer and industrial goods, in thousands of 2023 US dollars"),
    Good(
        "processed",
        "kUSD",
        False,
        "Goods the DPRK may still export: wigs and false eyelashes, silk, ores not under sanctions (kUSD)",
    ),
    Good("energy", "boe", False, "Bulk crude oil, gas and coal, in barrels of oil equivalent"),
    Good("cash", "USD", False, "Hard currency; moves only through a payment channel"),
)

GOOD_NAMES: tuple[str, ...] = tuple(g.name for g in GOODS)
GOOD_INDEX: dict[str, int] = {name: i for i, name in enumerate(GOOD_NAMES)}
CASH: int = GOOD_INDEX["cash"]
PERSONNEL: tuple[str, ...] = tuple(g.name for g in GOODS if g.personnel)


def good(name: str) -> Good:
    """Return the good called ``name``.

    Raises:
        ValueError: If no good has that name.
    """
    try:
        return GOODS[GOOD_INDEX[name]]
    except KeyError:
        raise ValueError(f"unknown good {name!r}; expected one of {', '.join(GOOD_NAMES)}") from None
