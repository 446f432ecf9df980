"""SanctionsModel: the Mesa model, vectorised over R replicates.

The model builds the world a batch of replicates shares (parameters as typed views, random
streams, the ledger of goods, the event log, the actors as ``mesa.Agent``s), then the processes
of the schedule, each of which owns its state. One ``step()`` is one month: every process of the
schedule in order, then the recorder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import mesa
import numpy as np
import pandas as pd

from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Month
from sanctionsim.model.events_log import EventLog
from sanctionsim.model.ledger import Ledger
from sanctionsim.model.pars import Pars
from sanctionsim.model.process import Process
from sanctionsim.model.recorder import Recorder
from sanctionsim.model.roles import Roles
from sanctionsim.model.schedule import SCHEDULE, check_schedule, schedule_metrics
from sanctionsim.model.streams import Streams
from sanctionsim.model.structure import Structure
from sanctionsim.model.world import World
from sanctionsim.scenario.schema import ScenarioConfig


class SanctionsModel(mesa.Model):
    """Russia, the DPRK, China and the bloc (or a scenario's actors), simulated for R replicates at once.

    Args:
        config: A validated scenario.
        seed: The run's seed.
        replicates: Global indices of the replicates to simulate (default ``range(config.runs)``);
            they label the output rows.
        streams: Random-stream index of each replicate (default: ``replicates``). Replicate ``i`` draws
            from ``SeedSequence(seed, spawn_key=(streams[i],))``; rows of a design that share a stream
            index share every random number (common random numbers across design points).
        design: Per-replicate parameter values, ``{path: array of len(replicates)}``, applied after
            the scenario's uncertainties are drawn (paths as in ``uncertainties``).
        keep_ledger: Keep every month's postings to the ledger for conservation checks.
        record_flows: Keep every month's flows for the flows table (off: metrics and events only).
        schedule: The processes of one month, in order (default :data:`~sanctionsim.model.schedule.SCHEDULE`).

    Raises:
        ValueError: For a bad design, uncertainty, event path or condition, naming where it is.
    """

    def __init__(
        self,
        *,
        config: ScenarioConfig,
        seed: int | None = None,
        replicates: Sequence[int] | None = None,
        streams: Sequence[int] | None = None,
        design: Mapping[str, Sequence[float] | np.ndarray] | None = None,
        keep_ledger: bool = False,
        record_flows: bool = True,
        schedule: Sequence[type[Process]] = SCHEDULE,
    ) -> None:
        seed = config.seed if seed is None else seed
        super().__init__(rng=seed)
        reps = list(range(config.runs)) if replicates is None else [int(r) for r in replicates]
        if not reps:
            raise ValueError("replicates: at least one replicate index")
        ids = reps if streams is None else [int(x) for x in streams]
        if len(ids) != len(reps):
            raise ValueError(f"streams: one stream index per replicate ({len(reps)}), got {len(ids)}")
        check_schedule(schedule)
        self.config = config
        self.seed = seed
        self.schedule = tuple(schedule)
        rand = Streams(seed=seed, replicates=ids)
        pars = Pars(config=config, streams=rand, design=design)
        roles = Roles.of(config)
        self.world = World(
            config=config,
            replicates=np.asarray(reps, dtype=np.int64),
            structure=Structure(config=config),
            pars=pars,
            streams=rand,
            roles=roles,
            agents=self.agents,
            ledger=Ledger(pars.actors.stock, keep=keep_ledger),
            log=EventLog(),
            start=pd.Period(config.start, freq="M"),
            metric_names=[m.name for m in schedule_metrics(self.schedule, roles)],
        )
        for i, (code, actor) in enumerate(config.actors.items()):
            Actor(self, world=self.world, code=code, index=i, name=actor.name)
        self.processes = [cls(self.world) for cls in self.schedule]
        for p in self.processes:
            p.bind()
        for p in self.processes:
            p.start()
        self.recorder = Recorder(world=self.world, processes=self.processes, flows=record_flows)
        self.month = 0  # months simulated so far

    @property
    def codes(self) -> list[str]:
        """Actor codes in scenario order."""
        return list(self.world.roles.codes)

    @property
    def replicates(self) -> np.ndarray:
        """Global indices of the replicates (R,)."""
        return self.world.replicates

    @property
    def n_replicates(self) -> int:
        """R, the replicates simulated side by side."""
        return self.world.n_replicates

    @property
    def stock(self) -> np.ndarray:
        """Every actor's stocks now, (R, N, G) (the ledger's; read it, don't write it)."""
        return self.world.ledger.stock

    def step(self) -> None:
        """Simulate one month for every replicate: the schedule in order, then the recorder."""
        m = Month(self.month)
        for process in self.processes:
            process.step(m)
        self.recorder.record(m)
        self.world.ledger.close_month()
        self.month += 1

    def run(self, months: int | None = None) -> None:
        """Run ``months`` steps (default: the scenario's horizon)."""
        for _ in range(self.config.months if months is None else months):
            self.step()

    def date(self, month: int) -> pd.Timestamp:
        """First day of simulated month ``month``."""
        return self.world.date(month)
