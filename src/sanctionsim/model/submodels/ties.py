"""Step 11: ties, and the Axelrod-Bennett landscape measures of cohesion.

Each tie moves ``speed`` of the way to its target each month, plus noise. The
target is ``tanh(atanh(affinity) + forces)``: the pair's affinity (``ties.A.B``)
pushed by forces = trade_gain * x / (x + 2), with x the pair's trade in % of the
smaller partner's monthly GDP, + shared_adversary * common hostility + treaty
(``treaty.A.B``) - entrapment * war intensity (pairs with the belligerent,
scaled by the tie) - abandonment * share of requests left unmet. Without forces
the target is the affinity; with them it stays inside (-1, 1), so no force is
cut off by a clip at 1.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sanctionsim.model.model import MonthFlows, SanctionsModel
    from sanctionsim.model.submodels.payments import Payments
    from sanctionsim.model.submodels.trade import Deals

_EPS = 1e-9
_MAX_AFFINITY = 0.99  # affinities are clipped to this before atanh


def landscape(ties: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axelrod-Bennett energy and frustration of tie matrices (R, N, N).

    Energy of a split into two coalitions ``sigma`` is ``-sum_{i<j} t_ij sigma_i sigma_j``;
    the landscape's configuration is the split of least energy. Frustration is the
    share of absolute tie weight that even that split violates, in [0, 1].
    """
    n = ties.shape[1]
    signs = np.array([(1, *c) for c in itertools.product((1, -1), repeat=n - 1)], dtype=float)  # (P, N)
    iu, ju = np.triu_indices(n, k=1)
    t = ties[:, iu, ju]  # (R, pairs)
    same = signs[:, iu] * signs[:, ju]  # (P, pairs)
    energy = -(t[:, None, :] * same[None, :, :]).sum(axis=2)  # (R, P)
    best = energy.min(axis=1)
    total = np.abs(t).sum(axis=1)
    frustration = (best + total) / np.maximum(2.0 * total, _EPS)
    return best, frustration


def update(model: SanctionsModel, deal: Deals, flows: MonthFlows, pay: Payments, t: int) -> None:
    """Move every tie toward its target."""
    s, p = model.structure, model.params
    n, r = s.n, model.n_replicates
    goods = ~s.combo_is_cash
    shipped = s.by_pair(flows.value * goods).reshape(r, n, n)
    trade = shipped + shipped.transpose(0, 2, 1)  # both directions
    requested = (deal.requested * deal.price).sum(axis=3)  # (R, i, j): j asked i
    got = pay.bill  # value of the goods i delivered to j
    unmet = np.maximum(0.0, requested - got) / np.maximum(requested, _EPS)
    hostile = np.maximum(0.0, -model.ties)
    common = (hostile[:, :, None, :] * hostile[:, None, :, :]).sum(axis=3)
    z = np.concatenate(
        [
            model.streams.normal("ties:" + ":".join(sorted((s.codes[i], s.codes[j]))), t, 1)
            for i, j in zip(s.pair_i, s.pair_j, strict=True)
        ],
        axis=1,
    )
    speed = p["tie_dynamics.speed"]
    intensity = p["war.intensity"]
    new = model.ties.copy()
    for k, (i, j) in enumerate(zip(s.pair_i, s.pair_j, strict=True)):
        a, b = s.codes[i], s.codes[j]
        x = 100.0 * trade[:, i, j] / np.maximum(np.minimum(model.gdp[:, i], model.gdp[:, j]), _EPS)
        forces = (
            p["tie_dynamics.trade_gain"] * x / (x + 2.0)
            + p["tie_dynamics.shared_adversary"] * common[:, i, j]
            + p[f"treaty.{a}.{b}"]
            - p["tie_dynamics.abandonment"] * 0.5 * (unmet[:, i, j] + unmet[:, j, i])
        )
        if s.war_actor in (i, j):
            forces = forces - p["tie_dynamics.entrapment"] * intensity * np.maximum(0.0, model.ties[:, i, j])
        # forces add on the atanh scale of the affinity, so the target stays inside (-1, 1) and every
        # force keeps moving it: a tie near 1 is harder to raise further, never clipped flat
        target = np.tanh(np.arctanh(np.clip(p[f"ties.{a}.{b}"], -_MAX_AFFINITY, _MAX_AFFINITY)) + forces)
        tie = model.ties[:, i, j] + speed * (target - model.ties[:, i, j])
        tie = np.clip(tie + p["tie_dynamics.noise_sd"] * z[:, k], -1.0, 1.0)
        new[:, i, j] = tie
        new[:, j, i] = tie
    model.ties = new
    model.energy, model.frustration = landscape(new)
