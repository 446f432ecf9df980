"""Payments: bilateral bills (goods delivered, and the services of people deployed) are netted
(barter) and the balance is paid in cash; what does not arrive stays as arrears, which lower the
creditor's willingness to sell.

Billing decides what each debtor pays, as far as its reserves allow; the cash then moves on the
open channel or the payment channels (the cash shipping and interdiction steps); settlement,
after the cash has moved, carries what was not paid as arrears.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS, HEADROOM
from sanctionsim.goods import CASH
from sanctionsim.model.context import Month, Payments
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import PaymentState


class Billing(Process):
    """Net each pair's bills against each other and old arrears; the net debtor sends cash.

    Bills are the value of goods delivered this month, plus the services of people deployed (their
    movement itself is not sold).
    """

    name = "billing"
    title = "bills netted against each other (barter); debtors send cash as reserves allow"
    reads = ("trade", "flows")
    writes = ("payments",)
    payment_state: PaymentState

    def step(self, m: Month) -> None:
        """Write ``m.payments`` (all but ``paid``)."""
        s = self.structure
        r, n = self.n_replicates, s.n
        goods = ~s.combo_is_cash & ~s.personnel[s.combo_good]  # people are billed for their services
        bill = s.by_pair(m.flows.delivered_value(), goods).reshape(r, n, n) + m.trade.services
        barter = np.minimum(bill, bill.transpose(0, 2, 1))
        due = self.payment_state.arrears + bill
        net = due - due.transpose(0, 2, 1)
        owed = np.maximum(net, 0.0)  # owed[i, j]: j must pay i
        cash = self.ledger.stock[:, :, CASH]
        total_by_payer = owed.sum(axis=1)  # (R, j)
        afford = np.minimum(1.0, cash / np.maximum(total_by_payer, EPS)) * HEADROOM
        send = (owed * afford[:, None, :]).transpose(0, 2, 1)  # send[j, i]: cash flow src=j -> dst=i
        m.payments = Payments(bill=bill, barter=barter, net=net, send=send, afford=afford)


class Settlement(Process):
    """What was not paid (or was seized on the way) stays as arrears."""

    name = "settlement"
    title = "unpaid balances carried as arrears"
    reads = ("flows", "payments")
    writes = ("payments",)
    state: PaymentState

    def init_state(self) -> PaymentState:
        """No arrears at the start."""
        n = self.structure.n
        return PaymentState(arrears=self.zeros(n, n))

    def step(self, m: Month) -> None:
        """Set ``m.payments.paid`` and the arrears."""
        s = self.structure
        r, n = self.n_replicates, s.n
        paid = s.by_pair(m.flows.delivered, s.combo_is_cash).reshape(r, n, n).transpose(0, 2, 1)
        m.payments.paid = paid  # paid[i, j]: j paid i
        self.state.arrears = np.maximum(0.0, m.payments.net - paid)

    def _pair(self) -> tuple[int, int]:
        return self.roles.index(self.roles.war), self.roles.index(self.roles.partner)

    @result(
        "barter_share_{war}_{partner}",
        "share",
        "Share of {war}-{partner} trade value settled by netting (barter)",
        direction=-1,
    )
    def _barter(self, m: Month) -> np.ndarray:
        a, b = self._pair()
        total = m.payments.bill[:, a, b] + m.payments.bill[:, b, a]
        return 2.0 * m.payments.barter[:, a, b] / np.maximum(total, EPS)

    @result(
        "arrears_{war}_{partner}",
        "USD",
        "Unsettled {war}-{partner} balance (owed to the creditor)",
        direction=1,
    )
    def _arrears(self, m: Month) -> np.ndarray:
        a, b = self._pair()
        return self.state.arrears[:, a, b] + self.state.arrears[:, b, a]
