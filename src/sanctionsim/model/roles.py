"""Roles: which actor plays which part, so that no code names a country.

A scenario names its belligerent (``war.actor``), the partnership a third party watches
(``compliance.partners``), that third party (``compliance.actor``) and its enforcers
(``actors.<CODE>.enforcer``). Metrics, the model's processes and the agents find actors through
these roles; metric names use them as placeholders (``shells_{partner}_to_{war}`` is
``shells_prk_to_rus`` in the baseline).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sanctionsim.scenario.fields import field_default
from sanctionsim.scenario.schema import Compliance, ScenarioConfig, War

#: The roles metric-name templates may name, and what each is.
PLACEHOLDERS: Mapping[str, str] = {
    "war": "the belligerent (`war.actor`)",
    "partner": "the belligerent's partner in the watched partnership (`compliance.partners`)",
    "third": "the third party whose compliance is modelled (`compliance.actor`)",
}


@dataclass(frozen=True)
class Roles:
    """The actors of a scenario and the roles they play.

    Attributes:
        codes: Actor codes in scenario order.
        war: The belligerent.
        partner: The other member of the watched partnership (the belligerent's supplier).
        third: The third party whose compliance is modelled.
        enforcers: Actors that spend on enforcement, in scenario order.
    """

    codes: tuple[str, ...]
    war: str
    partner: str
    third: str
    enforcers: tuple[str, ...] = ()

    @classmethod
    def of(cls, scope: Roles | ScenarioConfig | Mapping[str, Any] | Sequence[str]) -> Roles:
        """Roles of a scenario, its resolved data, or bare actor codes (then the schema's default roles)."""
        if isinstance(scope, Roles):
            return scope
        if isinstance(scope, ScenarioConfig):
            return cls._build(
                tuple(scope.actors),
                scope.war.actor,
                tuple(scope.compliance.partners),
                scope.compliance.actor,
                tuple(c for c, a in scope.actors.items() if a.enforcer),
            )
        if isinstance(scope, Mapping):
            actors = scope.get("actors") or {}
            war = (scope.get("war") or {}).get("actor", field_default(War, "actor"))
            comp = scope.get("compliance") or {}
            return cls._build(
                tuple(actors),
                war,
                tuple(comp.get("partners", field_default(Compliance, "partners"))),
                comp.get("actor", field_default(Compliance, "actor")),
                tuple(c for c, a in actors.items() if (a or {}).get("enforcer")),
            )
        return cls._build(
            tuple(scope),
            field_default(War, "actor"),
            tuple(field_default(Compliance, "partners")),
            field_default(Compliance, "actor"),
            (),
        )

    @classmethod
    def _build(
        cls,
        codes: tuple[str, ...],
        war: str,
        partners: tuple[str, ...],
        third: str,
        enforcers: tuple[str, ...],
    ) -> Roles:
        a, b = partners
        return cls(codes=codes, war=war, partner=b if a == war else a, third=third, enforcers=enforcers)

    def index(self, code: str) -> int:
        """Position of an actor on the actor axis."""
        return self.codes.index(code)

    @property
    def complete(self) -> bool:
        """Whether every role is played by one of the actors (bare codes may lack some)."""
        return all(c in self.codes for c in (self.war, self.partner, self.third))

    def fill(self, template: str) -> str:
        """Fill a metric-name template's role placeholders with lower-case actor codes."""
        return template.format(**{k: getattr(self, k).lower() for k in PLACEHOLDERS})

    def pair_name(self, template: str, a: str, b: str) -> str:
        """A per-pair metric name: the two codes in scenario order (``tie_{a}_{b}``)."""
        i, j = sorted((self.index(a), self.index(b)))
        return template.format(a=self.codes[i].lower(), b=self.codes[j].lower())
