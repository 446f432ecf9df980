"""The baseline is honest about what it knows (issue 8, "Honest uncertainty").

Every value in ``scenarios/baseline.yaml`` has a source in its ``sources:`` map (for itself or a
group it belongs to), of a known kind; every value whose source is an assumption either has a prior
in ``uncertainties:`` with a reason, or its source says why it is fixed ("fixed: ..."); every
``obs:<id>`` names a row of the observations file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from sanctionsim.scenario.loader import read_yaml

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
OBSERVATIONS = ROOT / "data" / "observations_to_2024-06.csv"
KINDS = ("obs:", "data:", "calibrated:", "assumption", "normalisation:", "definition", "convention")
#: Sections whose numbers are values a source must explain (the rest is text, lists, events, claims).
VALUE_SECTIONS = (
    "start", "months", "runs", "seed", "actors", "goods", "routes", "sanctions", "contracts", "deployments",
    "enforcement", "compliance", "war", "economy", "military", "tie_dynamics", "route_choice", "payments",
    "adaptive_policy", "reporting",
)  # fmt: skip


def leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted paths of the numbers (and dates) written in the file."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from leaves(value, f"{path}.")
        elif isinstance(value, bool | int | float) or (path == "start"):
            yield path


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return read_yaml(BASELINE)


def source_of(path: str, sources: Mapping[str, str]) -> str | None:
    """The source of a value: its own entry, or that of the nearest group containing it."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in sources:
            return sources[key]
    return None


def values(raw: dict[str, Any]) -> list[str]:
    return [p for section in VALUE_SECTIONS if section in raw for p in leaves({section: raw[section]})]


def test_every_value_has_a_source_of_a_known_kind(raw: dict[str, Any]) -> None:
    sources = raw["sources"]
    paths = values(raw)
    assert len(paths) > 150
    missing = [p for p in paths if source_of(p, sources) is None]
    assert not missing, f"values without a source in baseline.yaml: {missing}"
    unknown = {k: v for k, v in sources.items() if not v.startswith(KINDS)}
    assert not unknown, f"sources of an unknown kind (expected one of {KINDS}): {unknown}"


def test_every_assumption_has_a_prior_with_a_reason_or_is_fixed_with_one(raw: dict[str, Any]) -> None:
    sources, priors = raw["sources"], raw["uncertainties"]
    loose = [
        p
        for p in values(raw)
        if (src := source_of(p, sources) or "").startswith("assumption")
        and "fixed:" not in src
        and p not in priors
    ]
    assert not loose, f"assumptions with neither a prior nor a reason to be fixed: {loose}"
    for path, prior in priors.items():
        assert prior.get("reason", "").strip(), f"uncertainties.{path}: no reason"
        assert source_of(path, sources) is not None, f"uncertainties.{path}: no source entry"


def test_every_observation_cited_exists(raw: dict[str, Any]) -> None:
    with OBSERVATIONS.open(encoding="utf-8") as fh:
        ids = {row["id"] for row in csv.DictReader(fh)}
    text = BASELINE.read_text(encoding="utf-8")
    cited = set(re.findall(r"obs:([a-z0-9_]+)", text))
    assert cited and not cited - ids, f"cited rows missing from the observations file: {cited - ids}"
