"""The event log: what happened, in which month and in which replicates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Kinds of log entries: an event at its date, an event whose condition held, a policy's decision.
KINDS = ("scheduled", "conditional")


@dataclass
class EventLog:
    """Entries ``(month, replicate mask, name, kind, detail)`` in the order they happened."""

    entries: list[tuple[int, np.ndarray, str, str, str]] = field(default_factory=list)

    def log(self, t: int, name: str, kind: str, mask: np.ndarray, detail: str) -> None:
        """Record that ``name`` happened in month ``t`` in the replicates in ``mask``."""
        if kind not in KINDS:
            raise ValueError(f"event kind: one of {', '.join(KINDS)}, got {kind!r}")
        self.entries.append((t, np.asarray(mask, dtype=bool).copy(), name, kind, detail))
