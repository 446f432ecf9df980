"""Recorder: each month, the processes' results become a row of metrics, and the month's flows and
events are kept for the output tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sanctionsim.goods import GOOD_NAMES
from sanctionsim.model.context import Month
from sanctionsim.model.process import Process
from sanctionsim.model.result import Result
from sanctionsim.model.world import World


class Recorder:
    """Collects metrics, flows and events month by month.

    Args:
        world: The batch's world.
        processes: The schedule's processes, whose results it records in schedule order.
        flows: Keep each month's flows (off when only metrics are recorded).
    """

    def __init__(self, *, world: World, processes: Sequence[Process], flows: bool = True) -> None:
        self.world = world
        self.keep_flows = flows
        self.results: list[tuple[Process, Result]] = [(p, res) for p in processes for res in p.results]
        self.names = [m.name for _, res in self.results for m in res.metrics(world.roles)]
        if self.names != world.metric_names:
            raise RuntimeError("recorder: metric names differ from the world's (the schedule changed?)")
        self.months = 0  # months recorded
        # the metrics, (R, months, M): written in place month by month (room for the scenario's
        # horizon, doubled when a run goes on past it)
        self._values = np.zeros((world.n_replicates, max(1, world.config.months), len(self.names)))
        self._slices: list[slice] = []  # each result's columns in a row of metrics
        start = 0
        for _, res in self.results:
            width = len(res.metrics(world.roles))
            self._slices.append(slice(start, start + width))
            start += width
        self.flow_parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []

    def record(self, m: Month) -> None:
        """Record month ``m.t``: metrics, flows; last month's metrics for event conditions."""
        if self.months == self._values.shape[1]:
            grown = np.zeros((self._values.shape[0], 2 * self.months, self._values.shape[2]))
            grown[:, : self.months] = self._values
            self._values = grown
        row = self._values[:, self.months]
        for (p, res), cols in zip(self.results, self._slices, strict=True):
            row[:, cols] = res.columns(res.evaluate(p, m))
        self.months += 1
        self.world.last_metrics = {name: row[:, k] for k, name in enumerate(self.names)}
        if not self.keep_flows:
            return
        f = m.flows
        nz_r, nz_c = np.nonzero(f.shipped > 0)
        vals = np.stack(
            [f.shipped[nz_r, nz_c], f.delivered[nz_r, nz_c], f.interdicted[nz_r, nz_c], f.value[nz_r, nz_c]],
            axis=1,
        )
        self.flow_parts.append((m.t, nz_r, nz_c, vals))

    # ----------------------------------------------------------------- arrays
    def metric_values(self) -> np.ndarray:
        """Every metric of every month, (R, T, M) (a read-only view of the recorder's array)."""
        out = self._values[:, : self.months]
        out.flags.writeable = False
        return out

    def flow_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The flows with something shipped, replicate by replicate, month by month, combo by combo:
        global replicate, month, combo (indices into the structure's combos), and (rows, 4) values
        shipped, delivered, interdicted, value."""
        w = self.world
        if not self.flow_parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, np.zeros((0, 4))
        combo = np.concatenate([c for _, _, c, _ in self.flow_parts])
        vals = np.concatenate([v for _, _, _, v in self.flow_parts])
        reps = np.concatenate([w.replicates[r] for _, r, _, _ in self.flow_parts])
        month = np.concatenate([np.full(len(r), t) for t, r, _, _ in self.flow_parts])
        order = np.lexsort((month, reps))  # stable: within a replicate and month, combo order
        return reps[order], month[order], combo[order], vals[order]

    def event_rows(self) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str, str]], np.ndarray]:
        """Each (replicate, event firing), replicate by replicate, month by month: global replicate,
        month, the distinct (event, kind, detail) entries and each row's index into them."""
        w = self.world
        entries: dict[tuple[str, str, str], int] = {}
        reps, months, which = [], [], []
        for t, mask, name, kind, detail in w.log.entries:
            entry = entries.setdefault((name, kind, detail), len(entries))
            fired = w.replicates[mask]
            reps.append(fired)
            months.append(np.full(len(fired), t))
            which.append(np.full(len(fired), entry))
        if not reps:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, [], empty
        rep, month, codes = (np.concatenate(x).astype(np.int64) for x in (reps, months, which))
        order = np.lexsort((month, rep))
        return rep[order], month[order], list(entries), codes[order]

    # ----------------------------------------------------------------- tables
    def _dates(self, months: int) -> pd.DatetimeIndex:
        return pd.DatetimeIndex([self.world.date(t) for t in range(months)], dtype="datetime64[ns]")

    def metrics_frame(self) -> pd.DataFrame:
        """One row per (replicate, month), one column per metric."""
        w = self.world
        months = self.months
        r = w.n_replicates
        data = self.metric_values()
        reps = np.repeat(w.replicates, months).astype(np.int32)
        month = np.tile(np.arange(months, dtype=np.int32), r)
        frame = pd.DataFrame(
            {"replicate": reps, "month": month, "date": np.tile(self._dates(months).values, r)}
        )
        values = pd.DataFrame(data.reshape(-1, len(self.names)), columns=self.names)
        return pd.concat([frame, values], axis=1)

    def flows_frame(self) -> pd.DataFrame:
        """One row per (replicate, month, src, dst, good, route) with something shipped."""
        w, s = self.world, self.world.structure
        if self.flow_parts:
            combo = np.concatenate([c for _, _, c, _ in self.flow_parts])
            vals = np.concatenate([v for _, _, _, v in self.flow_parts])
            reps = np.concatenate([w.replicates[r] for _, r, _, _ in self.flow_parts])
            month = np.concatenate([np.full(len(r), t) for t, r, _, _ in self.flow_parts])
        else:
            combo = np.zeros(0, dtype=np.int64)
            vals = np.zeros((0, 4))
            reps = month = np.zeros(0, dtype=np.int64)
        codes = np.array(s.codes, dtype=object)
        frame = pd.DataFrame(
            {
                "replicate": reps.astype(np.int32),
                "month": month.astype(np.int32),
                "date": self._dates(self.months)[month]
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
        w = self.world
        rows = [
            (int(r), t, w.date(t), name, kind, detail)
            for t, mask, name, kind, detail in w.log.entries
            for r in w.replicates[mask]
        ]
        frame = pd.DataFrame(rows, columns=["replicate", "month", "date", "event", "kind", "detail"])
        frame = frame.astype({"replicate": np.int32, "month": np.int32})
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        return frame.sort_values(["replicate", "month"], kind="stable").reset_index(drop=True)
