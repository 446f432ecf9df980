"""Legality: each agreed flow is legal or sanctioned; sanctioned flows go ahead only as far as both
sides tolerate the risk and the expected loss leaves a margin (deterrence).

A flow [src, dst, good] is sanctioned when an active regime targets src or dst for that good. A
regime's cap lets part of a capped good move legally. Of the rest, the share both sides accept is the
smaller of their risk tolerances, and then ``max(0, 1 - loss / margin)`` of it goes ahead: ``loss``
is the expected cost of the sender's routes for the flow, as a share of value (cost, markup and
``risk_aversion`` x expected seizure: ``p * (s + (1 - s) p)`` with last month's detection
probability), weighted by the sender's route choice; ``margin`` is ``1 - v_seller / v_buyer``
(Becker 1968: enforcement deters when the expected loss eats the gain).
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model import channels, kernels
from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Deals, Month
from sanctionsim.model.pars import ActorPars, RouteChoicePars, RoutePars, SanctionPars
from sanctionsim.model.process import Process
from sanctionsim.model.state import ComplianceState, RouteState


class Legality(Process):
    """Split the month's trade into legal and sanctioned deals."""

    name = "legality"
    title = "sanctioned flows go ahead within caps, risk tolerance and the expected loss they face"
    reads = ("valuation", "trade")
    writes = ("deals",)
    actors: ActorPars
    sanctions: SanctionPars
    routes: RoutePars
    route_choice: RouteChoicePars
    compliance: ComplianceState
    route_state: RouteState

    def start(self) -> None:
        """Start with no cached sanctions mask."""
        self._mask_key: np.ndarray | None = None
        self._mask = np.zeros(0)

    def sanctioned_mask(self) -> np.ndarray:
        """Which flows [src, dst, good] an active regime sanctions, (R, N, N, G) in {0, 1}."""
        s = self.structure
        if not s.regimes:
            return np.zeros((self.n_replicates, s.n, s.n, s.g))
        active = self.sanctions.active
        if self._mask_key is None or not np.array_equal(active, self._mask_key):
            self._mask = (active[:, :, None, None, None] * s.regime_mask[None]).max(axis=1)
            self._mask_key = active.copy()
        return self._mask

    def expected_loss(self) -> np.ndarray:
        """Expected cost share of sanctioned flows on their senders' routes, (R, N, N, G); 1 where no
        route with capacity carries the flow."""
        s = self.structure
        rs = s.goods_routes
        p = self.route_state.detect_prob
        seized = channels.seized_share(p, self.routes)
        loss_k = (
            self.routes.cost + self.routes.markup + self.route_choice.risk_aversion[:, None] * seized
        )  # (R, K)
        weights = np.stack(
            self.agents.map(Actor.route_weights, p, routes=self.routes, route_choice=self.route_choice),
            axis=1,
        )
        cap = channels.capacity(self.routes, self.route_state.health, s, self.compliance.compliance)
        open_ = cap > EPS * np.maximum(np.nan_to_num(self.routes.capacity, posinf=1.0), 1.0)
        # each combo's weight w (its sender's, zero where its route is full); per pair-good, the sum
        # of w * loss over the sum of w (compiled: kernels.mean_route_loss)
        out = kernels.mean_route_loss(
            np.ascontiguousarray(weights, dtype=np.float64),
            open_.astype(np.float64),
            np.ascontiguousarray(loss_k, dtype=np.float64),
            rs.src,
            rs.route,
            rs.pg_members,
            rs.pgs,
            s.n * s.n * s.g,
        )
        return out.reshape(self.n_replicates, s.n, s.n, s.g)

    def step(self, m: Month) -> None:
        """Write ``m.deals``."""
        s, tr, value = self.structure, m.trade, m.valuation
        q = tr.q
        sanc = self.sanctioned_mask()
        # legal allowance under caps: a share of capped flows to a target is legal
        legal_share = np.zeros_like(q)
        for r_i in range(len(s.regimes)):
            capped = s.regime_capped[r_i]  # (N, G)
            if not capped.any():
                continue
            active = self.sanctions.active[:, r_i]
            for t, gg in zip(*np.nonzero(capped), strict=True):
                cap = self.sanctions.caps[:, r_i, gg]
                inflow = (q[:, :, t, gg] * sanc[:, :, t, gg]).sum(axis=1)
                share = np.minimum(1.0, cap / np.maximum(inflow, EPS))
                legal_share[:, :, t, gg] = np.maximum(legal_share[:, :, t, gg], (share * active)[:, None])
        tol = np.stack(
            self.agents.map(Actor.risk_tolerance, self.compliance.compliance, actors=self.actors), axis=1
        )
        # legal: q less its sanctioned part, plus what a cap allows; sanctioned: the rest, as far as
        # both sides tolerate the risk and the expected loss leaves a margin 1 - v_seller / v_buyer
        # (compiled: kernels.legality, the same arithmetic as the array code it replaced)
        legal, sanctioned = kernels.legality(
            np.ascontiguousarray(q),
            np.ascontiguousarray(sanc, dtype=np.float64),
            legal_share,
            np.ascontiguousarray(tol, dtype=np.float64),
            np.ascontiguousarray(value),
            self.expected_loss(),
        )
        m.deals = Deals(
            legal=legal, sanctioned=sanctioned, price=tr.price, requested=tr.requested, sanctioned_mask=sanc
        )
