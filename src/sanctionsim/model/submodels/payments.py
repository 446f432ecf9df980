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
    afford = np.minimum(1.0, cash / np.maximum(total_by_payer, _EPS))
    pay = owed * afford[:, None, :]  # amount j sends to i
    qty = np.zeros((r, n, n, g))
    qty[:, :, :, CASH] = pay.transpose(0, 2, 1)  # flow src=j -> dst=i
    sanc = deal.sanctioned_mask[:, :, :, CASH]
    legal = qty[..., CASH] * (1.0 - sanc)
    cash_combos = s.combo_is_cash & (s.combo_route == 0)
    pg = s.combo_pg[cash_combos]
    legal_flat = np.zeros((r, n * n * g))
    legal_flat.reshape(r, n, n, g)[..., CASH] = legal
    flows.shipped[:, cash_combos] += legal_flat[:, pg]
    flows.delivered[:, cash_combos] += legal_flat[:, pg]
    flows.value[:, cash_combos] += legal_flat[:, pg]
    sanctioned = np.zeros((r, n, n, g))
    sanctioned[..., CASH] = qty[..., CASH] * sanc
    routes.route_sanctioned(
        model, sanctioned.reshape(r, -1), np.ones((r, n * n * g)), t, model.p_detect, flows
    )
    cash_mask = s.combo_is_cash
    routes.move_goods(model, flows, cash_mask)  # cash combos are filled only in this step
    paid = s.by_pair(flows.delivered * cash_mask).reshape(r, n, n).transpose(0, 2, 1)  # paid[i, j]: j paid i
    model.arrears = np.maximum(0.0, net - paid)
    routes.update_enforcement(model, flows)
    return Payments(bill=bill, barter=barter, cash_delivered=paid)
