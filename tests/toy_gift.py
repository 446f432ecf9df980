"""A toy process for tests/test_architecture.py: the belligerent gives its partner 1% of its food
each month. One class in one file: its parameters, its state, its step and its result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sanctionsim.goods import GOOD_INDEX
from sanctionsim.model.context import Month
from sanctionsim.model.pars import WarPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import State

FOOD = GOOD_INDEX["food"]


@dataclass
class GiftState(State):
    """Food given so far (R,) [tonnes]."""

    given: np.ndarray


class Gift(Process):
    """Give 1% of the belligerent's food to its partner, scaled by war intensity."""

    name = "gift"
    title = "the belligerent gives its partner food"
    war: WarPars
    state: GiftState

    def init_state(self) -> GiftState:
        """Nothing given yet."""
        return GiftState(given=self.zeros())

    def step(self, m: Month) -> None:
        """Move the gift through the ledger, so that goods stay conserved."""
        giver, taker = self.roles.index(self.roles.war), self.roles.index(self.roles.partner)
        amount = 0.01 * self.ledger.stock[:, giver, FOOD] * np.minimum(self.war.intensity, 1.0)
        sent = np.zeros_like(self.ledger.stock)
        sent[:, giver, FOOD] = amount
        received = np.zeros_like(sent)
        received[:, taker, FOOD] = amount
        self.ledger.move(sent, received)
        self.state.given = self.state.given + amount

    @result("gift_food_{war}_to_{partner}", "tonnes/month", "Food given by the belligerent to its partner")
    def _gift(self, m: Month) -> np.ndarray:
        return self.state.given
