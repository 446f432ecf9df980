"""Steps 3-4: valuation of goods and bilateral deals between willing partners.

Valuation follows Sugarscape's marginal rate of substitution: an actor values a
good more as its months of cover fall, ``v = a * (need * H / stock) ** eta``,
capped at ``max_markup`` times the unit value either way. A seller offers stock
above ``keep_months`` of need; a buyer wants stock up to ``cover_months`` of
need; each trades ``trade_rate`` of its gap a month. Offers and wants are split
between partners in proportion to willingness (a logistic function of the tie,
reduced by arrears) and the other side's size; a deal is the smaller of the two
splits times the pair's willingness, and happens only when the buyer values the
good above the seller. The
price is the geometric mean of the two valuations. Sanctioned flows are traded
only to the extent both sides tolerate the risk, and a regime's cap lets part
of a capped good move legally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sanctionsim.goods import CASH, GOOD_NAMES

if TYPE_CHECKING:
    from sanctionsim.model.model import SanctionsModel

_EPS = 1e-9


@dataclass
class Deals:
    """Agreed quantities and prices of one month, each (R, N, N, G) with [src, dst, good]."""

    legal: np.ndarray
    sanctioned: np.ndarray
    price: np.ndarray
    requested: np.ndarray  # what each buyer asked of each seller
    sanctioned_mask: np.ndarray


def _goods_param(model: SanctionsModel, field: str) -> np.ndarray:
    return model.params.stack(tuple(f"goods.{g}.{field}" for g in GOOD_NAMES))  # (R, G)


def valuation(model: SanctionsModel) -> np.ndarray:
    """Each actor's value of one more unit of each good [USD/unit], shape (R, N, G)."""
    uv = _goods_param(model, "unit_value")[:, None, :]
    eta = _goods_param(model, "eta")[:, None, :]
    h = _goods_param(model, "cover_months")[:, None, :]
    cap = np.maximum(_goods_param(model, "max_markup")[:, None, :], 1.0)
    need = model.need if hasattr(model, "need") else np.zeros_like(model.stock)
    ratio = (need * h + _EPS) / (model.stock + _EPS)
    return uv * np.clip(ratio**eta, 1.0 / cap, cap)


def willingness(model: SanctionsModel) -> np.ndarray:
    """Willingness of seller i to trade with buyer j, shape (R, N, N), zero diagonal."""
    p = model.params
    mid = p["tie_dynamics.willingness_midpoint"][:, None, None]
    scale = p["tie_dynamics.willingness_scale"][:, None, None]
    w = 1.0 / (1.0 + np.exp(-(model.ties - mid) / scale))
    limit = p["payments.credit_limit"][:, None, None] * model.gdp[:, :, None]
    w = w / (1.0 + model.arrears / np.maximum(limit, _EPS))
    idx = np.arange(len(model.codes))
    w[:, idx, idx] = 0.0
    return w


def sanctioned_mask(model: SanctionsModel) -> np.ndarray:
    """Which flows [src, dst, good] an active regime sanctions, shape (R, N, N, G) in {0, 1}."""
    s, p = model.structure, model.params
    if not s.regimes:
        return np.zeros((model.n_replicates, s.n, s.n, s.g))
    active = p.stack(tuple(f"sanctions.{r}.active" for r in s.regimes))  # (R, S), cached until a change
    cached = model.sanctioned_cache
    if cached is None or cached[0] is not active:
        mask = (active[:, :, None, None, None] * s.regime_mask[None]).max(axis=1)
        model.sanctioned_cache = cached = (active, mask)
    return cached[1]


def risk_acceptance(model: SanctionsModel) -> np.ndarray:
    """Share of a sanctioned deal both sides accept, shape (R, N, N)."""
    rt = model.actor_param("risk_tolerance")
    comp = np.zeros_like(rt)
    comp[:, model.structure.compliance_actor] = model.compliance
    tol = rt * (1.0 - comp)
    return np.minimum(tol[:, :, None], tol[:, None, :])


def deals(model: SanctionsModel, value: np.ndarray) -> Deals:
    """Match offers and wants between willing partners (step 4)."""
    s, p = model.structure, model.params
    rate = _goods_param(model, "trade_rate")[:, None, :]
    keep = _goods_param(model, "keep_months")[:, None, :]
    cover = _goods_param(model, "cover_months")[:, None, :]
    # 1 - 1e-12: headroom so that rounding in the splits never ships more than the stock
    offer = rate * np.maximum(0.0, model.stock - keep * model.need) * (1.0 - 1e-12)
    want = rate * np.maximum(0.0, cover * model.need - model.stock)
    offer[:, :, CASH] = 0.0
    want[:, :, CASH] = 0.0
    w = willingness(model)[:, :, :, None]  # (R, i, j, 1)
    # seller i's offer split across buyers j, and buyer j's want split across sellers i
    ws = w * want[:, None, :, :]
    from_seller = offer[:, :, None, :] * ws / np.maximum(ws.sum(axis=2, keepdims=True), _EPS)
    wd = w * offer[:, :, None, :]
    requested = want[:, None, :, :] * wd / np.maximum(wd.sum(axis=1, keepdims=True), _EPS)
    # hostile or indifferent partners trade less, not just elsewhere; and only when buyer j values
    # the good above seller i
    q = np.minimum(from_seller, requested) * w * (value[:, None, :, :] > value[:, :, None, :])
    price = np.sqrt(value[:, :, None, :] * value[:, None, :, :])
    sanc = sanctioned_mask(model)
    # legal allowance under caps: a share of capped flows to a target is legal
    legal_share = np.zeros_like(q)
    for r_i, regime in enumerate(s.regimes):
        capped = s.regime_capped[r_i]  # (N, G)
        if not capped.any():
            continue
        active = p[f"sanctions.{regime}.active"][:, None, None]
        for t, gg in zip(*np.nonzero(capped), strict=True):
            cap = p[f"sanctions.{regime}.caps.{GOOD_NAMES[gg]}"]
            inflow = (q[:, :, t, gg] * sanc[:, :, t, gg]).sum(axis=1)
            share = np.minimum(1.0, cap / np.maximum(inflow, _EPS))
            legal_share[:, :, t, gg] = np.maximum(legal_share[:, :, t, gg], share[:, None] * active[:, :, 0])
    q_sanctioned = q * sanc
    allowed = q_sanctioned * legal_share  # sanctioned goods moving legally under a cap
    legal = q - q_sanctioned + allowed
    sanctioned = (q_sanctioned - allowed) * risk_acceptance(model)[:, :, :, None]
    return Deals(legal=legal, sanctioned=sanctioned, price=price, requested=requested, sanctioned_mask=sanc)
