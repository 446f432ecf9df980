"""Ties, and the Axelrod-Bennett landscape measures of cohesion.

Each tie moves ``speed`` of the way to its target each month, plus noise. The target is
``tanh(atanh(affinity) + forces)``: the pair's affinity (``ties.A.B``) pushed by forces =
trade_gain * x / (x + 2), with x the pair's trade in % of the smaller partner's monthly GDP,
+ shared_adversary * common hostility + treaty (``treaty.A.B``) - entrapment * war intensity
(pairs with the belligerent, scaled by the tie) - abandonment * share of requests left unmet
- unease * the partners' tie (the third party's ties to each partner: Beijing's unease).
Without forces the target is the affinity; with them it stays inside (-1, 1), so no force is cut
off by a clip at 1.
"""

from __future__ import annotations

import itertools

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model.context import Month
from sanctionsim.model.pars import TieDynamicsPars, TiePars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import EconomyState, TieState, WarState
from sanctionsim.model.structure import lastsum

_MAX_AFFINITY = 0.99  # affinities are clipped to this before atanh


def landscape(ties: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axelrod-Bennett energy and frustration of tie matrices (R, N, N).

    Energy of a split into two coalitions ``sigma`` is ``-sum_{i<j} t_ij sigma_i sigma_j``; the
    landscape's configuration is the split of least energy. Frustration is the share of absolute
    tie weight that even that split violates, in [0, 1].
    """
    n = ties.shape[1]
    signs = np.array([(1, *c) for c in itertools.product((1, -1), repeat=n - 1)], dtype=float)  # (P, N)
    iu, ju = np.triu_indices(n, k=1)
    t = ties[:, iu, ju]  # (R, pairs)
    same = signs[:, iu] * signs[:, ju]  # (P, pairs)
    energy = -lastsum(t[:, None, :] * same[None, :, :])  # (R, P)
    best = energy.min(axis=1)
    total = lastsum(np.abs(t))
    frustration = (best + total) / np.maximum(2.0 * total, EPS)
    return best, frustration


class TiesStep(Process):
    """Move every tie toward its target (step 11)."""

    name = "ties"
    title = "ties move toward affinity plus trade, common foes, treaty; minus entrapment, abandonment, unease"
    reads = ("deals", "flows", "payments")
    tie_pars: TiePars
    tie_dynamics: TieDynamicsPars
    economy: EconomyState
    war: WarState
    state: TieState

    def init_state(self) -> TieState:
        """Ties start at the pairs' affinities."""
        ties = self.tie_pars.affinity.copy()
        energy, frustration = landscape(ties)
        return TieState(ties=ties, energy=energy, frustration=frustration)

    def start(self) -> None:
        """Which pairs include the belligerent (entrapment), and which are the third party with a
        partner (unease)."""
        s = self.structure
        third, partners = s.compliance_actor, set(s.partners)
        pairs = list(zip(s.pair_i, s.pair_j, strict=True))
        self._war_pairs = np.array([s.war_actor in (i, j) for i, j in pairs], dtype=bool)
        self._uneasy_pairs = np.array(
            [third in (i, j) and ({int(i), int(j)} - {third}) <= partners for i, j in pairs], dtype=bool
        )

    def step(self, m: Month) -> None:
        """Update the ties and their landscape."""
        s, st, td = self.structure, self.state, self.tie_dynamics
        n, r = s.n, self.n_replicates
        goods = ~s.combo_is_cash
        shipped = s.by_pair(m.flows.value, goods).reshape(r, n, n)
        trade = shipped + shipped.transpose(0, 2, 1)  # both directions
        requested = lastsum(m.deals.requested * m.deals.price)  # (R, i, j): j asked i
        got = m.payments.bill  # value of the goods i delivered to j
        unmet = np.maximum(0.0, requested - got) / np.maximum(requested, EPS)
        hostile = np.maximum(0.0, -st.ties)
        common = lastsum(hostile[:, :, None, :] * hostile[:, None, :, :])
        z = np.concatenate(
            [
                self.streams.normal("ties:" + ":".join(sorted((s.codes[i], s.codes[j]))), m.t, 1)
                for i, j in zip(s.pair_i, s.pair_j, strict=True)
            ],
            axis=1,
        )
        gdp = self.economy.gdp
        pi, pj = s.pair_i, s.pair_j  # every pair at once, (R, pairs)
        x = 100.0 * trade[:, pi, pj] / np.maximum(np.minimum(gdp[:, pi], gdp[:, pj]), EPS)
        forces = (
            td.trade_gain[:, None] * x / (x + 2.0)
            + td.shared_adversary[:, None] * common[:, pi, pj]
            + self.tie_pars.treaty[:, pi, pj]
            - td.abandonment[:, None] * 0.5 * (unmet[:, pi, pj] + unmet[:, pj, pi])
        )
        tie_now = st.ties[:, pi, pj]
        if self._war_pairs.any():
            entrapment = td.entrapment[:, None] * self.war.intensity[:, None]
            entrapped = forces - entrapment * np.maximum(0.0, tie_now)
            forces = np.where(self._war_pairs, entrapped, forces)
        if self._uneasy_pairs.any():
            partners = np.maximum(0.0, st.ties[:, s.partners[0], s.partners[1]])
            forces = np.where(self._uneasy_pairs, forces - td.unease[:, None] * partners[:, None], forces)
        # forces add on the atanh scale of the affinity, so the target stays inside (-1, 1) and every
        # force keeps moving it: a tie near 1 is harder to raise further, never clipped flat
        affinity = np.clip(self.tie_pars.affinity[:, pi, pj], -_MAX_AFFINITY, _MAX_AFFINITY)
        target = np.tanh(np.arctanh(affinity) + forces)
        tie = tie_now + td.speed[:, None] * (target - tie_now)
        tie = np.clip(tie + td.noise_sd[:, None] * z, -1.0, 1.0)
        new = st.ties.copy()
        new[:, pi, pj] = tie
        new[:, pj, pi] = tie
        st.ties = new
        st.energy, st.frustration = landscape(new)

    @result(
        "frustration",
        "share",
        "Axelrod-Bennett landscape frustration of the tie matrix, in [0, 1]",
        direction=1,
    )
    def _frustration(self, m: Month) -> np.ndarray:
        return self.state.frustration

    @result("energy", "index", "Axelrod-Bennett landscape energy of the tie matrix (lower: more settled)")
    def _energy(self, m: Month) -> np.ndarray:
        return self.state.energy

    @result(
        "tie_{a}_{b}",
        "index [-1, 1]",
        "Tie between the two actors",
        per="pair",
        directions={"war-partner": -1},
    )
    def _ties(self, m: Month) -> np.ndarray:
        return self.state.ties
