"""Steps 5-6: channels for sanctioned flows, and interdiction.

A sanctioned flow picks routes by logit over cost, markup and last month's
detection probability, among the routes with capacity that carry its good
between its pair. Each route has a capacity in USD a month, throttled by the
compliance of the third party it runs through and by designations. What does
not fit is offered once more, by the same logit, to the routes with room left;
what still does not fit is not shipped. Detection probability is
``p = 1 - exp(-kappa * effort)``; a detected lot is seized with probability
``seize_share``. The interdicted share of a route's flow of one good is drawn
around ``p * seize_share`` with the binomial variance over the route's lots (a
normal approximation from fixed-count uniform draws, clipped to [0, 1], which
biases it upward when a route carries few lots).
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
    paths = ("", *(f"routes.{name}.{field}" for name in model.structure.routes[1:]))
    return model.params.stack(paths, default)  # (R, K); "" is the open route


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
    model: SanctionsModel, qty: np.ndarray, price: np.ndarray, t: int, flows: MonthFlows, *, cash: bool
) -> None:
    """Route sanctioned goods or cash onto eligible routes and interdict; fill ``flows``.

    Args:
        model: The model.
        qty: Sanctioned quantities, (R, U) over the route set's pair-goods (``RouteSet.pgs``).
        price: Unit prices, (R, U) likewise.
        t: The month.
        flows: This month's flows, filled in place.
        cash: Route cash on payment channels (True) or goods on physical routes.
    """
    s, p = model.structure, model.params
    rs = s.cash_routes if cash else s.goods_routes
    if not len(rs.pg) or qty.max(initial=0.0) <= 0.0:
        return
    cost = _route_param(model, "cost") + _route_param(model, "markup")
    util = (
        -(cost + p["route_choice.risk_aversion"][:, None] * model.detect_prob)
        / p["route_choice.scale"][:, None]
    )
    expu = np.exp(util - util.max(axis=1, keepdims=True))  # (R, K)
    expu[:, 0] = 0.0
    k, pos = rs.route, rs.pos
    unit_price = price[:, pos]
    cap = capacity(model)
    room = _EPS * np.maximum(np.nan_to_num(_route_param(model, "capacity"), posinf=1.0), 1.0)
    # first pass: logit over routes with capacity; second: what did not fit tries routes with room left
    wanted = qty[:, pos] * unit_price  # (R, Cs) value of each combo's pair-good
    shipped_val = np.zeros_like(wanted)
    for _ in range(2):
        weight = expu * (cap > room)
        w = weight[:, k]  # (R, Cs): each combo's route weight
        val = wanted * w / np.maximum(rs.by_pgs(w)[:, pos], _EPS)
        fill = np.minimum(1.0, cap / np.maximum(rs.by_route(val), _EPS))
        placed = val * fill[:, k]
        shipped_val += placed
        cap = np.maximum(cap - rs.by_route(placed), 0.0)
        wanted = rs.by_pgs(val - placed)[:, pos]
    shipped = shipped_val / np.maximum(unit_price, _EPS)
    lots = np.maximum(1.0, rs.by_route(shipped_val) / _route_param(model, "lot_value", 1.0))
    m = model.p_detect * _route_param(model, "seize_share")
    # one normal per good each route can carry: a fixed count each month, whatever flows
    z = np.concatenate(
        [model.streams.normal(f"route:{s.routes[kk]}", t, len(s.route_goods[kk])) for kk in rs.routes], axis=1
    )[:, rs.z_col]
    mk = m[:, k]
    frac = np.clip(mk + np.sqrt(mk * (1.0 - mk) / lots[:, k]) * z, 0.0, 1.0)
    interdicted = shipped * frac
    sel = rs.sel
    flows.shipped[:, sel] += shipped
    flows.interdicted[:, sel] += interdicted
    flows.delivered[:, sel] += shipped - interdicted
    flows.value[:, sel] += shipped_val
    flows.detected_value[:, sel] += shipped_val * model.p_detect[:, k]


def move_goods(model: SanctionsModel, flows: MonthFlows) -> None:
    """Take shipped goods and cash from senders and give what was delivered to receivers."""
    s = model.structure
    sent = s.by_src(flows.shipped)
    recv = s.by_dst(flows.delivered)
    shape = model.stock.shape
    model.stock = model.stock - sent.reshape(shape) + recv.reshape(shape)


def ship(model: SanctionsModel, deal: Deals, t: int) -> MonthFlows:
    """Ship this month's goods: legal deals on the open route, sanctioned ones on covert routes.

    Stocks change once all of the month's flows are known, after payments (step 7).
    """
    from sanctionsim.model.model import MonthFlows

    s = model.structure
    r, c = model.n_replicates, len(s.combo_pg)
    flows = MonthFlows(
        shipped=np.zeros((r, c)),
        delivered=np.zeros((r, c)),
        interdicted=np.zeros((r, c)),
        value=np.zeros((r, c)),
        detected_value=np.zeros((r, c)),
    )
    model.p_detect = detection(model)
    legal = deal.legal.reshape(r, -1)
    price = deal.price.reshape(r, -1)
    op = slice(0, s.n_open)
    pg = s.combo_pg[op]
    flows.shipped[:, op] = legal[:, pg]
    flows.delivered[:, op] = legal[:, pg]
    flows.value[:, op] = legal[:, pg] * price[:, pg]
    pgs = s.goods_routes.pgs
    route_sanctioned(model, deal.sanctioned.reshape(r, -1)[:, pgs], price[:, pgs], t, flows, cash=False)
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
