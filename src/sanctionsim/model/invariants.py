"""Invariants every run must keep: conservation of goods and non-negative stocks.

For every good, replicate, actor and month:
``stock_before + produced + received = stock_after + consumed + sent``, and on every flow
``shipped = delivered + interdicted``; stocks are never negative. Needs a model built with
``keep_ledger=True``.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.goods import GOOD_NAMES
from sanctionsim.model.model import SanctionsModel
from sanctionsim.model.state import ArrivalState, DeploymentState

RTOL = 1e-9


def invariant_violations(model: SanctionsModel) -> list[str]:
    """Return a line for each broken invariant (an empty list when all hold)."""
    ledger = model.world.ledger
    if not ledger.months and model.month:
        raise ValueError("the model kept no ledger; build it with keep_ledger=True")
    problems: list[str] = []
    for t, row in enumerate(ledger.months):
        lhs = row["stock_before"] + row["produced"] + row["received"]
        rhs = row["stock_after"] + row["consumed"] + row["sent"]
        scale = np.maximum.reduce([np.abs(lhs), np.abs(rhs), np.ones_like(lhs)])
        bad = np.abs(lhs - rhs) > RTOL * scale
        if bad.any():
            r, i, g = np.argwhere(bad)[0]
            problems.append(
                f"month {t}: {model.codes[i]} {GOOD_NAMES[g]} replicate {model.replicates[r]}: "
                f"in {lhs[r, i, g]:.6g} != out {rhs[r, i, g]:.6g}"
            )
        for name in ("stock_after", "produced", "consumed", "sent", "received"):
            arr = row[name]
            neg = arr < -RTOL * np.maximum(np.abs(lhs), 1.0)
            if neg.any():
                r, i, g = np.argwhere(neg)[0]
                problems.append(
                    f"month {t}: negative {name} of {GOOD_NAMES[g]} for {model.codes[i]}: {arr[r, i, g]:.6g}"
                )
    problems += personnel_violations(model)
    flows = model.recorder.flows_frame()
    gap = (flows["shipped"] - flows["delivered"] - flows["interdicted"]).abs()
    if (gap > RTOL * flows["shipped"].abs().clip(lower=1.0)).any():
        problems.append(f"shipped != delivered + interdicted on {int((gap > 0).sum())} flow rows")
    if ((flows[["shipped", "delivered", "interdicted"]] < 0).any(axis=1)).any():
        problems.append("negative flow quantities")
    return problems


def personnel_violations(model: SanctionsModel) -> list[str]:
    """A line for each host whose stock of people differs from what its deployments account for."""
    s, w = model.world.structure, model.world
    if not len(s.deploy_good) or not model.month:
        return []
    deployed = w.state(DeploymentState).deployed + w.state(ArrivalState).arrived
    accounted = np.zeros_like(w.ledger.stock)
    for d in range(len(s.deploy_good)):
        accounted[:, s.deploy_host[d], s.deploy_good[d]] += deployed[:, d]
    problems = []
    for g in np.flatnonzero(s.personnel):
        hosts = np.unique(s.deploy_host[s.deploy_good == g])
        for h in hosts:
            gap = np.abs(w.ledger.stock[:, h, g] - accounted[:, h, g])
            if (gap > RTOL * np.maximum(accounted[:, h, g], 1.0)).any():
                problems.append(f"{model.codes[h]} holds {GOOD_NAMES[g]} its deployments do not account for")
    return problems
