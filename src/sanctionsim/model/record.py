"""Recorder: turns each month's state and flows into the output tables.

Metric names come from ``sanctionsim.metrics``; this module computes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sanctionsim.goods import CASH, GOOD_INDEX, GOOD_NAMES
from sanctionsim.metrics import metric_names

if TYPE_CHECKING:
    from sanctionsim.model.model import MonthFlows, SanctionsModel

_EPS = 1e-9
ARMS_AND_LABOUR = [GOOD_INDEX[g] for g in ("shells", "missiles", "workers", "troops")]


def _rowsum(x: np.ndarray) -> np.ndarray:
    """Sum each row in sequence: unlike ``x.sum(axis=1)``, the same whatever the number of rows."""
    if x.shape[1] == 0:
        return np.zeros(x.shape[0])
    return np.add.reduceat(x, [0], axis=1)[:, 0]


class Recorder:
    """Collects metrics, flows and (optionally) the goods ledger month by month.

    Args:
        model: The model to record.
        keep_ledger: Keep production, consumption, sends, receipts and stocks per month.
    """

    def __init__(self, *, model: SanctionsModel, keep_ledger: bool = False) -> None:
        self.model = model
        self.names = metric_names(model.codes)
        self.n_flat = len(self.names) - len(model.codes) * len(GOOD_NAMES)  # metrics before the stock block
        expected = [f"stock_{g}_{c.lower()}" for g in GOOD_NAMES for c in model.codes]
        if self.names[self.n_flat :] != expected:
            raise RuntimeError("metric order changed: stock metrics must come last, good by good")
        self.rows: list[np.ndarray] = []
        self.flow_parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        self.keep_ledger = keep_ledger
        self.ledger: list[dict[str, np.ndarray]] = []
        self._stock_before = model.stock.copy()

    def _flow(self, flows: MonthFlows, src: str, dst: str, good: str) -> np.ndarray:
        """Quantity of ``good`` delivered from ``src`` to ``dst`` this month, on every route."""
        s = self.model.structure
        sel = (
            (s.combo_src == s.codes.index(src))
            & (s.combo_dst == s.codes.index(dst))
            & (s.combo_good == GOOD_INDEX[good])
        )
        return _rowsum(flows.delivered[:, sel])

    def record(self, t: int, *, prod: Any, deal: Any, flows: MonthFlows, pay: Any, econ: Any) -> None:
        """Record month ``t``."""
        m, s, p = self.model, self.model.structure, self.model.params
        r = m.n_replicates
        out: dict[str, np.ndarray] = {}
        has = {c: c in s.codes for c in ("RUS", "PRK", "CHN")}
        zero = np.zeros(r)
        pair_ok = has["RUS"] and has["PRK"]
        f = (lambda a, b, g: self._flow(flows, a, b, g)) if pair_ok else (lambda a, b, g: zero)
        out["shells_prk_to_rus"] = f("PRK", "RUS", "shells")
        out["missiles_prk_to_rus"] = f("PRK", "RUS", "missiles")
        out["containers_prk_to_rus"] = out["shells_prk_to_rus"] / p["war.rounds_per_container"]
        out["oil_rus_to_prk"] = f("RUS", "PRK", "oil")
        out["tech_rus_to_prk"] = f("RUS", "PRK", "technology")
        out["workers_prk_in_rus"] = f("PRK", "RUS", "workers")
        out["troops_prk_in_rus"] = f("PRK", "RUS", "troops")
        out["cash_rus_to_prk"] = f("RUS", "PRK", "cash")
        out["food_rus_to_prk"] = f("RUS", "PRK", "food")
        prk = s.codes.index("PRK") if has["PRK"] else -1
        oil = (s.combo_dst == prk) & (s.combo_good == GOOD_INDEX["oil"])
        out["oil_to_prk_total"] = _rowsum(flows.delivered[:, oil])
        sanc_combo = s.combo_route > 0
        attempted = _rowsum(flows.value[:, sanc_combo])
        frac_int = flows.interdicted[:, sanc_combo] / np.maximum(flows.shipped[:, sanc_combo], _EPS)
        interdicted = _rowsum(flows.value[:, sanc_combo] * frac_int)
        out["sanctioned_attempted_value"] = attempted
        out["sanctioned_delivered_value"] = attempted - interdicted
        out["interdicted_value"] = interdicted
        out["leakage_ratio"] = np.where(
            attempted > 0, (attempted - interdicted) / np.maximum(attempted, _EPS), 1.0
        )
        out["compliance_chn"] = m.compliance
        out["enforcement_effort"] = _rowsum(m.effort)
        out["enforcement_cost"] = m.enforcement_cost
        out["munitions_sufficiency_rus"] = m.sufficiency
        out["war_demand_rus"] = prod.need[:, s.war_actor, GOOD_INDEX["shells"]]
        a, b = s.partners
        enf = s.enforcers
        bloc_cap = _rowsum(m.capability[:, enf]) if len(enf) else np.ones(r)
        partner_cap = m.capability[:, a] + m.capability[:, b]
        out["threat_index"] = (
            partner_cap * (1.0 + np.maximum(0.0, m.ties[:, a, b])) / np.maximum(bloc_cap, _EPS)
        )
        out["frustration"] = m.frustration
        out["energy"] = m.energy
        open_goods = (s.combo_route == 0) & ~s.combo_is_cash
        involves = open_goods & ((s.combo_src == prk) | (s.combo_dst == prk))
        rec_val = flows.value * s.combo_reported
        recorded = _rowsum(rec_val[:, involves])
        out["prk_recorded_trade"] = recorded
        if has["CHN"] and has["PRK"]:
            chn = s.codes.index("CHN")
            with_chn = involves & ((s.combo_src == chn) | (s.combo_dst == chn))
            out["chn_share_prk_trade"] = _rowsum(rec_val[:, with_chn]) / np.maximum(recorded, _EPS)
        else:
            out["chn_share_prk_trade"] = zero
        if pair_ok:
            ru, pk = s.codes.index("RUS"), s.codes.index("PRK")
            total = pay.bill[:, ru, pk] + pay.bill[:, pk, ru]
            out["barter_share_rus_prk"] = 2.0 * pay.barter[:, ru, pk] / np.maximum(total, _EPS)
            out["arrears_rus_prk"] = m.arrears[:, ru, pk] + m.arrears[:, pk, ru]
        else:
            out["barter_share_rus_prk"] = zero
            out["arrears_rus_prk"] = zero
        arms = np.isin(s.combo_good, ARMS_AND_LABOUR) & (s.combo_src == prk)
        dval = flows.value * flows.delivered / np.maximum(flows.shipped, _EPS)
        out["prk_arms_earnings"] = _rowsum(dval[:, arms])
        hist = m.gdp_history
        yoy = len(hist) > 12
        base = hist[-13] if yoy else hist[-2]
        ratio = hist[-1] / np.maximum(base, _EPS)
        growth = ratio - 1.0 if yoy else ratio**12 - 1.0
        for i, c in enumerate(s.codes):
            lc = c.lower()
            out[f"gdp_{lc}"] = m.gdp[:, i] * 12.0
            out[f"gdp_growth_{lc}"] = growth[:, i]
            out[f"reserves_{lc}"] = m.stock[:, i, CASH]
            out[f"tech_{lc}"] = m.tech[:, i]
            out[f"capability_{lc}"] = m.capability[:, i]
            out[f"shortfall_{lc}"] = econ.shortfall[:, i]
        for pi, pj in zip(s.pair_i, s.pair_j, strict=True):
            out[f"tie_{s.codes[pi].lower()}_{s.codes[pj].lower()}"] = m.ties[:, pi, pj]
        # stocks come last in metric order, good by good then actor by actor: one block copy
        stocks = m.stock.transpose(0, 2, 1).reshape(r, -1)
        for k, name in enumerate(self.names[self.n_flat :]):
            out[name] = stocks[:, k]
        m.last_metrics = out
        row = np.empty((r, len(self.names)))
        row[:, : self.n_flat] = np.stack([out[n] for n in self.names[: self.n_flat]], axis=1)
        row[:, self.n_flat :] = stocks
        self.rows.append(row)
        nz_r, nz_c = np.nonzero(flows.shipped > 0)
        vals = np.stack(
            [
                flows.shipped[nz_r, nz_c],
                flows.delivered[nz_r, nz_c],
                flows.interdicted[nz_r, nz_c],
                flows.value[nz_r, nz_c],
            ],
            axis=1,
        )
        self.flow_parts.append((t, nz_r, nz_c, vals))
        if self.keep_ledger:
            sent = s.by_src(flows.shipped).reshape(m.stock.shape)
            received = s.by_dst(flows.delivered).reshape(m.stock.shape)
            self.ledger.append(
                {
                    "stock_before": self._stock_before,
                    "produced": prod.produced,
                    "consumed": prod.consumed,
                    "sent": sent,
                    "received": received,
                    "stock_after": m.stock.copy(),
                }
            )
        self._stock_before = m.stock.copy()

    # ----------------------------------------------------------------- tables
    def metrics_frame(self) -> pd.DataFrame:
        """One row per (replicate, month), one column per metric."""
        m = self.model
        months = len(self.rows)
        data = np.stack(self.rows, axis=1) if self.rows else np.zeros((m.n_replicates, 0, len(self.names)))
        reps = np.repeat(m.replicates, months).astype(np.int32)
        month = np.tile(np.arange(months, dtype=np.int32), m.n_replicates)
        dates = pd.DatetimeIndex([m.date(t) for t in range(months)]).astype("datetime64[ns]")
        frame = pd.DataFrame(
            {"replicate": reps, "month": month, "date": np.tile(dates.values, m.n_replicates)}
        )
        values = pd.DataFrame(data.reshape(-1, len(self.names)), columns=self.names)
        return pd.concat([frame, values], axis=1)

    def flows_frame(self) -> pd.DataFrame:
        """One row per (replicate, month, src, dst, good, route) with something shipped."""
        m, s = self.model, self.model.structure
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("replicate", "month", "combo", "vals")}
        for t, nz_r, nz_c, vals in self.flow_parts:
            cols["replicate"].append(m.replicates[nz_r])
            cols["month"].append(np.full(len(nz_r), t))
            cols["combo"].append(nz_c)
            cols["vals"].append(vals)
        if not cols["combo"]:
            combo = np.zeros(0, dtype=np.int64)
            vals = np.zeros((0, 4))
            reps = month = np.zeros(0, dtype=np.int64)
        else:
            combo = np.concatenate(cols["combo"])
            vals = np.concatenate(cols["vals"])
            reps = np.concatenate(cols["replicate"])
            month = np.concatenate(cols["month"])
        codes = np.array(s.codes, dtype=object)
        frame = pd.DataFrame(
            {
                "replicate": reps.astype(np.int32),
                "month": month.astype(np.int32),
                "date": pd.DatetimeIndex([m.date(int(t)) for t in range(m.month)])[month].astype(
                    "datetime64[ns]"
                )
                if len(month)
                else pd.DatetimeIndex([], dtype="datetime64[ns]"),
                "src": codes[s.combo_src[combo]],
                "dst": codes[s.combo_dst[combo]],
                "good": np.array(GOOD_NAMES, dtype=object)[s.combo_good[combo]],
                "route": np.array(s.routes, dtype=object)[s.combo_route[combo]],
                "shipped": vals[:, 0],
                "delivered": vals[:, 1],
                "interdicted": vals[:, 2],
                "value": vals[:, 3],
            }
        )
        return frame.sort_values(["replicate", "month"], kind="stable").reset_index(drop=True)

    def events_frame(self) -> pd.DataFrame:
        """One row per (replicate, event firing)."""
        m = self.model
        rows = []
        for t, mask, name, kind, detail in m.events.records:
            for r in m.replicates[mask]:
                rows.append((int(r), t, m.date(t), name, kind, detail))
        frame = pd.DataFrame(rows, columns=["replicate", "month", "date", "event", "kind", "detail"])
        frame = frame.astype({"replicate": np.int32, "month": np.int32})
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        return frame.sort_values(["replicate", "month"], kind="stable").reset_index(drop=True)
