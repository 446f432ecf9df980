"""The bloc's adaptive policy.

When the value of sanctioned flows the enforcers detected in a month exceeds ``threshold``, an
escalation is scheduled ``lag`` months later (one pending at a time, at most
``max_escalations``). An escalation raises every enforcer's budget by ``budget_step`` (a share of
the current budget) and the secondary sanctions of every active regime by ``secondary_step``.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Month
from sanctionsim.model.pars import ActorPars, AdaptivePolicyPars, Pars, SanctionPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import PolicyState, RouteState


class Policy(Process):
    """Trigger and carry out the bloc's escalations; log them as conditional events (step 12)."""

    name = "policy"
    title = "the bloc escalates enforcement and secondary sanctions after detected flows"
    actors: ActorPars
    sanctions: SanctionPars
    adaptive_policy: AdaptivePolicyPars
    route_state: RouteState
    state: PolicyState

    def init_state(self) -> PolicyState:
        """No escalation yet, none pending."""
        return PolicyState(
            escalations=np.zeros(self.n_replicates, dtype=np.int64),
            due=np.full(self.n_replicates, -1, dtype=np.int64),
        )

    def step(self, m: Month) -> None:
        """Escalate where one is due; schedule one where detected value crossed the threshold."""
        ap, st, t = self.adaptive_policy, self.state, m.t
        enabled = ap.enabled > 0
        now = enabled & (st.due == t)
        if now.any():
            for agent in self.agents:
                if isinstance(agent, Actor) and agent.index in self.structure.enforcers:
                    Pars.assign(
                        self.actors.enforcement_budget,
                        (slice(None), agent.index),
                        agent.escalated_budget(now, actors=self.actors, policy=ap),
                    )
            for r_i in range(len(self.structure.regimes)):
                sec = self.sanctions.secondary[:, r_i]
                hit = now & (self.sanctions.active[:, r_i] > 0)
                Pars.assign(
                    self.sanctions.secondary,
                    (slice(None), r_i),
                    np.where(hit, np.minimum(1.0, sec + ap.secondary_step), sec),
                )
            st.escalations = st.escalations + now
            st.due = np.where(now, -1, st.due)
            self.log.log(
                t,
                "adaptive_escalation",
                "conditional",
                now,
                "bloc raised enforcement budget and secondary sanctions",
            )
        trigger = (
            enabled
            & (st.due < 0)
            & (st.escalations < ap.max_escalations)
            & (self.route_state.detected_total > ap.threshold)
        )
        lag = ap.lag.astype(np.int64)
        st.due = np.where(trigger, t + np.maximum(lag, 1), st.due)

    @result("escalations", "count", "Escalations of the bloc's adaptive policy so far")
    def _escalations(self, m: Month) -> np.ndarray:
        return self.state.escalations.astype(float)
