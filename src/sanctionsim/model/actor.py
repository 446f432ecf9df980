"""Actor: one state or bloc, a mesa.Agent whose state is a view over replicates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sanctionsim.goods import CASH, GOOD_INDEX

if TYPE_CHECKING:
    from sanctionsim.model.model import SanctionsModel


class Actor(mesa.Agent):
    """A state or bloc. Its attributes are views of shape (R,) or (R, G) into the model's arrays.

    Args:
        model: The model that holds the state arrays.
        code: Upper-case actor code (RUS, PRK, CHN, BLOC, ...).
        index: Position of the actor in the model's actor axis.
        name: Display name.
    """

    def __init__(self, model: SanctionsModel, *, code: str, index: int, name: str) -> None:
        super().__init__(model)
        self.code = code
        self.index = index
        self.name = name

    @property
    def gdp(self) -> np.ndarray:
        """GDP at annual rate [USD/year], shape (R,)."""
        return self.model.gdp[:, self.index] * 12.0

    @property
    def stocks(self) -> np.ndarray:
        """Stocks of every good, shape (R, G), goods in ``goods.GOOD_NAMES`` order."""
        return self.model.stock[:, self.index, :]

    def stock(self, good: str) -> np.ndarray:
        """Stock of one good, shape (R,)."""
        return self.model.stock[:, self.index, GOOD_INDEX[good]]

    @property
    def reserves(self) -> np.ndarray:
        """Foreign-currency reserves [USD], shape (R,)."""
        return self.model.stock[:, self.index, CASH]

    @property
    def tech(self) -> np.ndarray:
        """Technology level in [0, 1], shape (R,)."""
        return self.model.tech[:, self.index]

    @property
    def capability(self) -> np.ndarray:
        """Military capability index, shape (R,)."""
        return self.model.capability[:, self.index]

    def tie(self, other: str) -> np.ndarray:
        """Tie to another actor in [-1, 1], shape (R,)."""
        return self.model.ties[:, self.index, self.model.actor_index[other]]

    def __repr__(self) -> str:
        return f"Actor({self.code!r}, R={self.model.n_replicates})"
