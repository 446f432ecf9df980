"""Steps 5-6: channels for sanctioned flows, and interdiction.

A sanctioned flow picks routes by logit over cost, markup and last month's
detection probability, among the routes that carry its good between its pair.
Each route has a capacity in USD a month, throttled by the compliance of the
third party it runs through and by designations; flows above it are not
shipped. Detection probability is ``p = 1 - exp(-kappa * effort)``; a detected
lot is seized with probability ``seize_share``. The interdicted share of a
route's flow of one good has the binomial mean and variance over the route's
lots (normal approximation from fixed-count uniform draws).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sanctionsim.goods import GOOD_NAMES

if TYPE_CHECKING:
    from sanctionsim.model.model import MonthFlows, SanctionsModel
    from sanctionsim.model.submodels.trade import Deals

_EPS = 1e-9


def _route_param(model: SanctionsModel, field: str, default: float = 0.0) -> np.ndarray:
    cols = [np.full(model.n_replicates, default)]
    cols += [model.params[f"routes.{name}.{field}"] for name in model.structure.routes[1:]]
    return np.stack(cols, axis=1)  # (R, K)


def detection(model: SanctionsModel) -> np.ndarray:
    """This month's detection probability per route, shape (R, K); 0 on the open route."""
    s, p = model.structure, model.params
    budget = sum(
        (p[f"actors.{s.codes[i]}.enforcement_budget"] for i in s.enforcers), np.zeros(model.n_replicates)
    )
    effort = (budget * p["enforcement.effort_per_usd"] * p["enforcement.monitoring"])[
        :, None
    ] * model.effort_share
    third = (s.via == s.compliance_actor)[None, :] * (model.compliance * p["enforcement.third_party_effort"])[
        :, None
    ]
    effort = effort + third
    effort[:, 0] = 0.0
    model.effort = effort
    model.enforcement_cost = budget
    return 1.0 - np.exp(-_route_param(model, "kappa") * effort)


def capacity(model: SanctionsModel) -> np.ndarray:
    """Usable capacity per route [USD/month], shape (R, K); infinite on the open route."""
    s = model.structure
    cap = _route_param(model, "capacity", np.inf) * model.route_health
    throttled = s.via >= 0
    if throttled.any():
        comp = np.where(s.via[throttled] == s.compliance_actor, model.compliance[:, None], 0.0)
        cap[:, throttled] *= 1.0 - comp
    return cap


def route_sanctioned(
    model: SanctionsModel, qty: np.ndarray, price: np.ndarray, t: int, p_detect: np.ndarray, flows: MonthFlows
) -> None:
    """Route sanctioned quantities (R, PG) onto their eligible routes and interdict; fill ``flows``."""
    s, p = model.structure, model.params
    sel = s.combo_route > 0
    if qty.max(initial=0.0) <= 0.0:
        return
    scale = p["route_choice.scale"][:, None]
    util = (
        -(
            _route_param(model, "cost")
            + _route_param(model, "markup")
            + p["route_choice.risk_aversion"][:, None] * model.detect_prob
        )
        / scale
    )
    expu = np.exp(util - util.max(axis=1, keepdims=True))  # (R, K)
    expu[:, 0] = 0.0
    denom = (expu[:, :, None] * s.elig[None, :, :]).sum(axis=1)  # (R, PG)
    pg, k = s.combo_pg[sel], s.combo_route[sel]
    share = expu[:, k] / np.maximum(denom[:, pg], _EPS)
    val = qty[:, pg] * price[:, pg] * share  # (R, Cs) value wanted on each route
    load = _route_sum(model, val, sel)  # (R, K)
    fill = np.minimum(1.0, capacity(model) / np.maximum(load, _EPS))
    shipped_val = val * fill[:, k]
    shipped = shipped_val / np.maximum(price[:, pg], _EPS)
    route_val = _route_sum(model, shipped_val, sel)
    lots = np.maximum(1.0, route_val / _route_param(model, "lot_value", 1.0))
    m = p_detect * _route_param(model, "seize_share")
    g = s.combo_good[sel]
    z = np.zeros((model.n_replicates, s.k, s.g))
    for kk in np.unique(s.combo_route[sel]):
        z[:, kk, :] = model.streams.normal(f"route:{s.routes[kk]}", t, s.g)
    frac = np.clip(m[:, k] + np.sqrt(m[:, k] * (1.0 - m[:, k]) / lots[:, k]) * z[:, k, g], 0.0, 1.0)
    interdicted = shipped * frac
    flows.shipped[:, sel] += shipped
    flows.interdicted[:, sel] += interdicted
    flows.delivered[:, sel] += shipped - interdicted
    flows.value[:, sel] += shipped_val
    flows.detected_value[:, sel] += shipped_val * p_detect[:, k]


def _route_sum(model: SanctionsModel, values: np.ndarray, sel: np.ndarray) -> np.ndarray:
    full = np.zeros((values.shape[0], len(sel)))
    full[:, sel] = values
    return model.structure.by_route(full)


def move_goods(model: SanctionsModel, flows: MonthFlows, mask: np.ndarray) -> None:
    """Take shipped goods from senders and give delivered goods to receivers (combos in ``mask``)."""
    s = model.structure
    sent = s.by_src(flows.shipped * mask)
    recv = s.by_dst(flows.delivered * mask)
    shape = model.stock.shape
    model.stock = model.stock - sent.reshape(shape) + recv.reshape(shape)


def ship(model: SanctionsModel, deal: Deals, t: int) -> MonthFlows:
    """Ship this month's goods: legal deals on the open route, sanctioned ones on covert routes."""
    from sanctionsim.model.model import MonthFlows

    s = model.structure
    r, c = model.n_replicates, len(s.combo_pg)
    flows = MonthFlows(*(np.zeros((r, c)) for _ in range(4)), detected_value=np.zeros((r, c)))
    model.p_detect = detection(model)
    legal = deal.legal.reshape(r, -1)
    price = deal.price.reshape(r, -1)
    op = slice(0, s.n_open)
    pg = s.combo_pg[op]
    flows.shipped[:, op] = legal[:, pg]
    flows.delivered[:, op] = legal[:, pg]
    flows.value[:, op] = legal[:, pg] * price[:, pg]
    route_sanctioned(model, deal.sanctioned.reshape(r, -1), price, t, model.p_detect, flows)
    move_goods(model, flows, ~s.combo_is_cash)
    return flows


def update_enforcement(model: SanctionsModel, flows: MonthFlows) -> None:
    """Designations cut route health; enforcers shift effort toward the flows they detected."""
    s, p = model.structure, model.params
    route_val = s.by_route(flows.value)
    detected = s.by_route(flows.detected_value)
    lots = route_val / _route_param(model, "lot_value", 1.0)
    cut = _route_param(model, "designation_cut")
    rebuild = _route_param(model, "rebuild_rate")
    health = model.route_health + rebuild * (1.0 - model.route_health)
    model.route_health = health * (1.0 - cut) ** (lots * model.p_detect)
    total = detected.sum(axis=1, keepdims=True)
    target = np.where(total > 0, detected / np.maximum(total, _EPS), model.effort_share)
    a = p["enforcement.adaptation"][:, None]
    model.effort_share = (1.0 - a) * model.effort_share + a * target
    model.detect_prob = model.p_detect
    model.detected_total = total[:, 0]


__all__ = ["GOOD_NAMES", "detection", "ship", "update_enforcement"]
