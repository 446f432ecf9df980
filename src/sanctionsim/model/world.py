"""The world a batch of replicates lives in: what every process shares, built once per batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
from mesa.agentset import AgentSet

from sanctionsim.model.events_log import EventLog
from sanctionsim.model.ledger import Ledger
from sanctionsim.model.pars import Pars
from sanctionsim.model.roles import Roles
from sanctionsim.model.state import State
from sanctionsim.model.streams import Streams
from sanctionsim.model.structure import Structure
from sanctionsim.scenario.schema import ScenarioConfig

S = TypeVar("S", bound=State)


@dataclass
class World:
    """Everything the processes of one batch share.

    Attributes:
        config: The validated scenario.
        replicates: Global indices of the batch's replicates (R,).
        structure: Index arithmetic: actors, goods, routes, flow combos, regimes.
        pars: Parameters as typed views over replicates.
        streams: The batch's random streams.
        roles: Which actor plays which part.
        agents: The actors (``mesa.Agent``s), in scenario order.
        ledger: Stocks and their postings.
        log: The event log.
        start: The first simulated month.
        metric_names: The metrics the schedule records, in table order.
        states: Each process's state, by its class.
        last_metrics: Last month's metrics by name (conditions of events read them).
    """

    config: ScenarioConfig
    replicates: np.ndarray
    structure: Structure
    pars: Pars
    streams: Streams
    roles: Roles
    agents: AgentSet
    ledger: Ledger
    log: EventLog
    start: pd.Period
    metric_names: list[str] = field(default_factory=list)
    states: dict[type[State], State] = field(default_factory=dict)
    last_metrics: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_replicates(self) -> int:
        """R, the replicates simulated side by side."""
        return len(self.replicates)

    def state(self, cls: type[S]) -> S:
        """The state of class ``cls`` (owned by one process of the schedule)."""
        try:
            return cast(S, self.states[cls])
        except KeyError:
            raise KeyError(f"no process of the schedule owns a {cls.__name__}") from None

    def date(self, month: int) -> pd.Timestamp:
        """First day of simulated month ``month``."""
        return (self.start + month).to_timestamp()

    def calendar(self, t: int) -> Any:
        """Calendar year with fraction of month ``t`` (2024.0 is January 2024)."""
        return self.start.year + (self.start.month - 1 + t) / 12.0
