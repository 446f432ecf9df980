"""Step 7: payments. Bilateral bills are netted (barter); the rest settles in cash.

Each pair's bills for delivered goods are netted against each other and against
old arrears: the netted part is barter. The net debtor pays the balance in cash
as far as its reserves allow, on the open (dollar) channel when cash between the
two is not sanctioned, otherwise on the scenario's payment channels, which have
capacity limits and can be frozen like any route. Whatever is not delivered
stays as arrears, which lower the creditor's willingness to sell (step 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sanctionsim.goods import CASH
from sanctionsim.model.submodels import routes

if TYPE_CHECKING:
    from sanctionsim.model.model import MonthFlows, SanctionsModel
    from sanctionsim.model.submodels.trade import Deals

_EPS = 1e-9


@dataclass
class Payments:
    """This month's settlement, each (R, N, N) with [creditor, debtor]."""

    bill: np.ndarray
    barter: np.ndarray
    cash_delivered: np.ndarray


def settle(model: SanctionsModel, deal: Deals, flows: MonthFlows, t: int) -> Payments:
    """Net bills, pay balances in cash through payment channels, carry arrears."""
    s = model.structure
    r, n, g = model.n_replicates, s.n, s.g
    bill = s.by_pair(flows.delivered_value() * ~s.combo_is_cash).reshape(
        r, n, n
    )  # bill[i, j]: j owes i for goods i delivered
    barter = np.minimum(bill, bill.transpose(0, 2, 1))
    due = model.arrears + bill
    net = due - due.transpose(0, 2, 1)
    owed = np.maximum(net, 0.0)  # owed[i, j]: j must pay i
    cash = model.stock[:, :, CASH]
    total_by_payer = owed.sum(axis=1)  # (R, j)
    # 1 - 1e-12: headroom so that rounding in the split never sends more cash than the payer holds
    afford = np.minimum(1.0, cash / np.maximum(total_by_payer, _EPS)) * (1.0 - 1e-12)
    send = (owed * afford[:, None, :]).transpose(0, 2, 1)  # send[j, i]: cash flow src=j -> dst=i
    sanc = deal.sanctioned_mask[:, :, :, CASH]
    open_cash = s.combo_is_cash & (s.combo_route == 0)
    src, dst = s.combo_src[open_cash], s.combo_dst[open_cash]
    legal = send[:, src, dst] * (1.0 - sanc[:, src, dst])
    flows.shipped[:, open_cash] += legal
    flows.delivered[:, open_cash] += legal
    flows.value[:, open_cash] += legal
    pgs = s.cash_routes.pgs
    src, dst = pgs // (n * g), (pgs // g) % n
    sanctioned = send[:, src, dst] * sanc[:, src, dst]
    routes.route_sanctioned(model, sanctioned, np.ones_like(sanctioned), t, flows, cash=True)
    routes.move_goods(model, flows)  # goods shipped in steps 5-6 and cash paid now
    paid = (
        s.by_pair(flows.delivered * s.combo_is_cash).reshape(r, n, n).transpose(0, 2, 1)
    )  # paid[i, j]: j paid i
    model.arrears = np.maximum(0.0, net - paid)
    routes.update_enforcement(model, flows)
    return Payments(bill=bill, barter=barter, cash_delivered=paid)
