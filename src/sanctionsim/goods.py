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
        perishable: True when unused stock does not carry over to the next
            month (labour is a flow of person-months, not a stock).
        description: One line for docs and plots.
    """

    name: str
    unit: str
    perishable: bool
    description: str


GOODS: tuple[Good, ...] = (
    Good("shells", "rounds", False, "Artillery ammunition (122/152 mm equivalent rounds)"),
    Good("missiles", "missiles", False, "Short-range ballistic missiles (KN-23/24 class)"),
    Good("oil", "barrels", False, "Refined petroleum products and crude, in barrels"),
    Good("food", "tonnes", False, "Grain and foodstuffs"),
    Good("workers", "person-months", True, "Labour sent abroad, person-months per month"),
    Good("troops", "person-months", True, "Military personnel deployed abroad"),
    Good("technology", "transfer units", False, "Dual-use and military technology transfers"),
    Good("manufactures", "kUSD", False, "Consumer and industrial goods, in thousands of 2023 US dollars"),
    Good("cash", "USD", False, "Hard currency; moves only through a payment channel"),
)

GOOD_NAMES: tuple[str, ...] = tuple(g.name for g in GOODS)
GOOD_INDEX: dict[str, int] = {name: i for i, name in enumerate(GOOD_NAMES)}
CASH: int = GOOD_INDEX["cash"]
PHYSICAL: tuple[int, ...] = tuple(i for i, name in enumerate(GOOD_NAMES) if name != "cash")


def good(name: str) -> Good:
    """Return the good called ``name``.

    Raises:
        ValueError: If no good has that name.
    """
    try:
        return GOODS[GOOD_INDEX[name]]
    except KeyError:
        raise ValueError(f"unknown good {name!r}; expected one of {', '.join(GOOD_NAMES)}") from None
