"""Process: one step of the monthly schedule, which owns its state, reads typed parameters and
declares its results (the shape of Starsim's modules, over Mesa's agents).

A process declares, in its class body:

- its **parameters**, as annotations typed with parameter views (``war: WarPars``): each is bound
  to the batch's view of that type when the process is built;
- its **state**, as the annotation ``state: SomeState`` (a :class:`~sanctionsim.model.state.State`
  it creates in :meth:`Process.init_state` and alone writes), and the states of other processes
  it reads, as further annotations typed with their classes;
- the **month context** it reads and writes (``reads``/``writes``: fields of
  :class:`~sanctionsim.model.context.Month`), which the schedule checks for order;
- its **results**: methods decorated with :func:`~sanctionsim.model.result.result`.

Its :meth:`Process.step` has one signature: it reads and writes the month's context.
"""

from __future__ import annotations

import abc
import typing
from typing import Any, ClassVar

import numpy as np
from mesa.agentset import AgentSet

from sanctionsim.model.context import Month
from sanctionsim.model.events_log import EventLog
from sanctionsim.model.ledger import Ledger
from sanctionsim.model.pars import VIEW_SECTIONS
from sanctionsim.model.result import Result
from sanctionsim.model.roles import Roles
from sanctionsim.model.state import State
from sanctionsim.model.streams import Streams
from sanctionsim.model.structure import Structure
from sanctionsim.model.world import World

#: The parameter view classes a process may declare.
VIEWS: tuple[type, ...] = tuple(VIEW_SECTIONS)


class Process(abc.ABC):
    """A step of the monthly schedule (see the module docstring).

    Args:
        world: The batch's shared world.

    Attributes:
        name: Short name, shown in the schedule and in errors.
        title: One line on what the step does.
        reads: Fields of the month context it reads.
        writes: Fields of the month context it writes.
        results: Its result declarations, in declaration order (collected from the class body).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    results: ClassVar[tuple[Result, ...]] = ()
    _declared: ClassVar[dict[str, type]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.results = tuple(v for v in vars(cls).values() if isinstance(v, Result))

    def __init__(self, world: World) -> None:
        self.world = world
        self.structure: Structure = world.structure
        self.streams: Streams = world.streams
        self.roles: Roles = world.roles
        self.ledger: Ledger = world.ledger
        self.log: EventLog = world.log
        self.agents: AgentSet = world.agents
        self.n_replicates = world.n_replicates
        for attr, cls in self.declared().items():
            if cls in VIEWS:
                setattr(self, attr, next(v for v in vars(world.pars).values() if type(v) is cls))
        own = self.declared().get("state")
        if own is not None:
            state = self.init_state()
            if type(state) is not own:
                raise TypeError(
                    f"{self.name}: init_state() returned {type(state).__name__}, not {own.__name__}"
                )
            world.states[own] = state
            self.state = state

    @classmethod
    def declared(cls) -> dict[str, type]:
        """The class-typed annotations of the process: attribute name -> class."""
        if "_declared" not in vars(cls):
            hints = typing.get_type_hints(cls)
            cls._declared = {k: v for k, v in hints.items() if isinstance(v, type) and not k.startswith("_")}
        return dict(cls._declared)

    @classmethod
    def parameters(cls) -> list[str]:
        """The scenario sections whose parameters it reads (``war``, ``routes``...)."""
        return [VIEW_SECTIONS[v] for v in cls.declared().values() if v in VIEWS]

    @classmethod
    def states_read(cls) -> list[type[State]]:
        """Other processes' states it reads."""
        return [v for k, v in cls.declared().items() if issubclass(v, State) and k != "state"]

    def bind(self) -> None:
        """Bind the other processes' states it reads; called once every process is built."""
        for attr, cls in self.declared().items():
            if issubclass(cls, State) and attr != "state":
                setattr(self, attr, self.world.state(cls))

    def start(self) -> None:  # noqa: B027 - a hook: most processes need nothing before the first month
        """Compute what the first month needs from the other processes' states (default: nothing)."""

    def init_state(self) -> State:
        """Create the state the process owns (only for processes that declare ``state``)."""
        raise TypeError(f"{self.name} declares a state but does not create it in init_state()")

    @abc.abstractmethod
    def step(self, m: Month) -> None:
        """Simulate this step of month ``m.t``, reading and writing the month's context."""

    def zeros(self, *shape: int) -> np.ndarray:
        """A float array of zeros with the replicate axis first."""
        return np.zeros((self.n_replicates, *shape))
