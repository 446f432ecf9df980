"""Movement: what was shipped leaves its senders' stocks and what was delivered reaches its
receivers' (goods, people and cash alike), through the ledger. It records the month's deliveries
between the roles."""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.goods import GOOD_INDEX, GOOD_NAMES
from sanctionsim.model import kernels
from sanctionsim.model.context import Month
from sanctionsim.model.pars import GoodPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.structure import colsum

ARMS = [GOOD_INDEX[g] for g in ("shells", "missiles")]
CONTAINERISED = tuple(g for g in GOOD_NAMES if g != "cash")


class Movement(Process):
    """Post the month's shipments and deliveries to the ledger; record deliveries between the roles."""

    name = "movement"
    title = "shipments leave senders' stocks, deliveries reach receivers'"
    reads = ("trade", "flows")
    goods: GoodPars

    def start(self) -> None:
        """Index the combos each recorded delivery sums, once."""
        self._columns: dict[tuple[str, str, str], np.ndarray] = {}
        self._memo: tuple[Month | None, np.ndarray, tuple[np.ndarray, np.ndarray]] = (None, np.zeros(0), ())  # type: ignore[assignment]
        s, roles = self.structure, self.roles
        partner, third = roles.index(roles.partner), roles.index(roles.third)
        involves = (s.combo_src == partner) | (s.combo_dst == partner)
        self._involves = np.flatnonzero(involves)
        self._with_third = np.flatnonzero(involves & ((s.combo_src == third) | (s.combo_dst == third)))
        self._oil_to_partner = np.flatnonzero((s.combo_dst == partner) & (s.combo_good == GOOD_INDEX["oil"]))
        self._arms = np.flatnonzero(np.isin(s.combo_good, ARMS) & (s.combo_src == partner))

    def step(self, m: Month) -> None:
        """Move goods, people and cash."""
        s = self.structure
        shape = self.ledger.stock.shape
        self.ledger.move(s.by_src(m.flows.shipped).reshape(shape), s.by_dst(m.flows.delivered).reshape(shape))

    def delivered(self, m: Month, src: str, dst: str, good: str) -> np.ndarray:
        """Quantity of ``good`` delivered from role ``src`` to role ``dst`` this month, on every route."""
        key = (src, dst, good)
        if key not in self._columns:
            s, roles = self.structure, self.roles
            self._columns[key] = np.flatnonzero(
                (s.combo_src == roles.index(getattr(roles, src)))
                & (s.combo_dst == roles.index(getattr(roles, dst)))
                & (s.combo_good == GOOD_INDEX[good])
            )
        return colsum(m.flows.delivered, self._columns[key])

    def containers(self, m: Month, src: str, dst: str, goods: tuple[str, ...]) -> np.ndarray:
        """Containers of ``goods`` delivered from role ``src`` to role ``dst`` (quantity / per_container)."""
        out = self.zeros()
        for good in goods:
            per = self.goods.per_container[:, GOOD_INDEX[good]]
            out = out + np.where(per > 0, self.delivered(m, src, dst, good) / np.maximum(per, EPS), 0.0)
        return out

    @result(
        "shells_{partner}_to_{war}",
        "rounds/month",
        "Artillery rounds delivered {partner} to {war}",
        direction=-1,
        flow=True,
    )
    def _shells(self, m: Month) -> np.ndarray:
        return self.delivered(m, "partner", "war", "shells")

    @result(
        "missiles_{partner}_to_{war}",
        "missiles/month",
        "Ballistic missiles delivered {partner} to {war}",
        direction=-1,
        flow=True,
    )
    def _missiles(self, m: Month) -> np.ndarray:
        return self.delivered(m, "partner", "war", "missiles")

    @result(
        "containers_{partner}_to_{war}",
        "containers/month",
        "Containers of munitions delivered {partner} to {war} (rounds / per_container of shells)",
        direction=-1,
        flow=True,
    )
    def _containers(self, m: Month) -> np.ndarray:
        return self.containers(m, "partner", "war", ("shells",))

    @result(
        "containers_{war}_to_{partner}",
        "containers/month",
        "Containers delivered {war} to {partner}: every good shipped in containers (per_container > 0)",
        flow=True,
    )
    def _return_containers(self, m: Month) -> np.ndarray:
        return self.containers(m, "war", "partner", CONTAINERISED)

    @result(
        "oil_{war}_to_{partner}",
        "barrels/month",
        "Refined petroleum delivered {war} to {partner}",
        direction=-1,
        flow=True,
    )
    def _oil(self, m: Month) -> np.ndarray:
        return self.delivered(m, "war", "partner", "oil")

    @result(
        "oil_to_{partner}_total",
        "barrels/month",
        "Refined petroleum delivered to {partner} from all actors",
        direction=-1,
        flow=True,
    )
    def _oil_total(self, m: Month) -> np.ndarray:
        return colsum(m.flows.delivered, self._oil_to_partner)

    @result(
        "tech_{war}_to_{partner}",
        "transfer units/month",
        "Technology transfer units delivered {war} to {partner}",
        direction=-1,
        flow=True,
    )
    def _tech(self, m: Month) -> np.ndarray:
        return self.delivered(m, "war", "partner", "technology")

    @result(
        "cash_{war}_to_{partner}",
        "USD/month",
        "Hard currency settled {war} to {partner}",
        direction=-1,
        flow=True,
    )
    def _cash(self, m: Month) -> np.ndarray:
        return self.delivered(m, "war", "partner", "cash")

    @result("food_{war}_to_{partner}", "tonnes/month", "Food delivered {war} to {partner}", flow=True)
    def _food(self, m: Month) -> np.ndarray:
        return self.delivered(m, "war", "partner", "food")

    def recorded_value(self, m: Month) -> np.ndarray:
        """What customs record of each flow (R, C) [USD]: goods delivered on open routes at their unit
        values (declared values, not the bargained price), times the pair's reporting share."""
        if self._memo[0] is m:
            return self._memo[1]
        s = self.structure
        goods = (~s.combo_is_cash & ~s.personnel[s.combo_good]).astype(np.float64)
        value = kernels.recorded_value(
            m.flows.delivered,
            np.ascontiguousarray(self.goods.unit_value, dtype=np.float64),
            s.combo_good,
            np.asarray(s.combo_reported, dtype=np.float64),
            goods,
        )  # delivered * unit_value[:, good] * reported * goods, in one pass
        self._memo = (m, value, (colsum(value, self._involves), colsum(value, self._with_third)))
        return value

    def _recorded(self, m: Month) -> tuple[np.ndarray, np.ndarray]:
        self.recorded_value(m)
        return self._memo[2]

    @result(
        "{partner}_recorded_trade",
        "USD/month",
        "{partner} trade in customs statistics (open routes, both directions, at unit values)",
        flow=True,
    )
    def _recorded_trade(self, m: Month) -> np.ndarray:
        return self._recorded(m)[0]

    @result("{third}_share_{partner}_trade", "share", "{third} share of {partner} recorded trade")
    def _third_share(self, m: Month) -> np.ndarray:
        recorded, with_third = self._recorded(m)
        return with_third / np.maximum(recorded, EPS)

    @result(
        "recorded_trade_{a}_{b}",
        "USD/month",
        "Trade between the two actors in customs statistics (open routes, both directions)",
        per="pair",
        flow=True,
    )
    def _recorded_pairs(self, m: Month) -> np.ndarray:
        s = self.structure
        by = s.by_pair(self.recorded_value(m)).reshape(self.n_replicates, s.n, s.n)
        return by + by.transpose(0, 2, 1)

    @result(
        "{partner}_arms_earnings",
        "USD/month",
        "Value of arms {partner} delivered abroad and of the services of its people abroad",
        direction=-1,
        flow=True,
    )
    def _arms_earnings(self, m: Month) -> np.ndarray:
        partner = self.roles.index(self.roles.partner)
        return colsum(m.flows.delivered_value(), self._arms) + m.trade.services[:, partner].sum(axis=1)
