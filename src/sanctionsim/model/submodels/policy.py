"""Step 12: the bloc's adaptive policy.

When the value of sanctioned flows the enforcers detected in a month exceeds
``threshold``, an escalation is scheduled ``lag`` months later (one pending at a
time, at most ``max_escalations``). An escalation raises every enforcer's budget
by ``budget_step`` (a share of the current budget) and the secondary sanctions
of every active regime by ``secondary_step``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sanctionsim.model.model import MonthFlows, SanctionsModel


def adapt(model: SanctionsModel, flows: MonthFlows, t: int) -> None:
    """Trigger and carry out escalations; log them as conditional events."""
    p, s = model.params, model.structure
    enabled = p["adaptive_policy.enabled"] > 0
    now = enabled & (model.escalation_due == t)
    if now.any():
        for i in s.enforcers:
            key = f"actors.{s.codes[i]}.enforcement_budget"
            p[key] = np.where(now, p[key] * (1.0 + p["adaptive_policy.budget_step"]), p[key])
        for regime in s.regimes:
            key = f"sanctions.{regime}.secondary"
            hit = now & (p[f"sanctions.{regime}.active"] > 0)
            p[key] = np.where(hit, np.minimum(1.0, p[key] + p["adaptive_policy.secondary_step"]), p[key])
        model.escalations = model.escalations + now
        model.escalation_due = np.where(now, -1, model.escalation_due)
        model.events.log(
            t,
            "adaptive_escalation",
            "conditional",
            now,
            "bloc raised enforcement budget and secondary sanctions",
        )
    trigger = (
        enabled
        & (model.escalation_due < 0)
        & (model.escalations < p["adaptive_policy.max_escalations"])
        & (model.detected_total > p["adaptive_policy.threshold"])
    )
    lag = p["adaptive_policy.lag"].astype(np.int64)
    model.escalation_due = np.where(trigger, t + np.maximum(lag, 1), model.escalation_due)
