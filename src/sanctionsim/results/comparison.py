"""Comparison folders on disk: one results folder per scenario plus ``comparison.json``.

A comparison folder (docs/architecture.md, "Comparison folder") is written by
``sanctionsim compare`` through :func:`sanctionsim.atomic.atomic_folder`, so it appears only
when complete::

    results/compare-<UTC timestamp>/
        comparison.json   the effects table and the run metadata (seed, runs, scenarios, hashes)
        <name>/           one results folder per scenario, the base first

This module reads and writes the files; the effects themselves are computed in
:mod:`sanctionsim.analysis.effects`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sanctionsim.formatting import format_effect, plain_json
from sanctionsim.results.store import COMPARISON_NAME, Results, load_results

__all__ = [
    "COMPARISON_KIND",
    "COMPARISON_NAME",
    "COMPARISON_VERSION",
    "comparison_payload",
    "is_comparison_folder",
    "read_comparison_folder",
    "write_comparison_file",
]

#: ``kind`` recorded in ``comparison.json``.
COMPARISON_KIND = "sanctionsim.comparison"
#: Version of the ``comparison.json`` format.
COMPARISON_VERSION = 1


def comparison_payload(
    *, base: str, results: Mapping[str, Results], metrics: Sequence[str], effects: pd.DataFrame
) -> dict[str, Any]:
    """The content of ``comparison.json`` (and of ``compare --json``) as strict-JSON-ready data.

    Each effect row carries its numbers (NaN as ``None``) and, under ``formatted``, the strings
    shown by the CLI table and the report (:func:`sanctionsim.formatting.format_effect`).

    Args:
        base: Name of the base run.
        results: Each scenario's results by name, the base first.
        metrics: The metrics compared.
        effects: The effects table.
    """
    m = results[base].manifest
    scenarios = [
        {
            "name": name,
            "role": "base" if name == base else "policy",
            "folder": res.path.name if res.path is not None else name,
            "scenario": res.manifest.get("scenario"),
            "scenario_path": res.manifest.get("scenario_path"),
            "config_hash": res.manifest.get("config_hash"),
        }
        for name, res in results.items()
    ]
    rows = [{str(k): v for k, v in row.items()} for row in effects.to_dict(orient="records")]
    return plain_json(
        {
            "kind": COMPARISON_KIND,
            "version": COMPARISON_VERSION,
            "base": base,
            "scenarios": scenarios,
            "seed": m.get("seed"),
            "runs": m.get("runs"),
            "months": m.get("months"),
            "start": m.get("start"),
            "metrics": list(metrics),
            "effects": [{**row, "formatted": format_effect(row)} for row in rows],
        }
    )


def write_comparison_file(folder: Path, payload: Mapping[str, Any]) -> Path:
    """Write ``comparison.json`` (the payload plus ``created``, UTC) into a folder being built."""
    data = {**payload, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    path = folder / COMPARISON_NAME
    path.write_text(json.dumps(plain_json(data), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def is_comparison_folder(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a folder written by ``compare`` (it holds ``comparison.json``)."""
    return (Path(path) / COMPARISON_NAME).is_file()


def read_comparison_folder(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Results]]:
    """Read a comparison folder: its ``comparison.json`` and each scenario's results, by name.

    Raises:
        FileNotFoundError: If the folder, its ``comparison.json`` or a results folder in it is missing.
        ValueError: If ``comparison.json`` is not a valid comparison file.
    """
    folder = Path(path)
    meta_path = folder / COMPARISON_NAME
    if not meta_path.is_file():
        raise FileNotFoundError(f"{folder} is not a comparison folder: {COMPARISON_NAME} is missing")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        entries = [(str(s["name"]), str(s.get("folder", s["name"]))) for s in meta["scenarios"]]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{meta_path} is not a valid comparison file: {err}") from None
    if meta.get("kind") != COMPARISON_KIND or meta.get("version") != COMPARISON_VERSION:
        raise ValueError(
            f"{meta_path} is not a comparison file this sanctionsim reads (kind {meta.get('kind')!r}, "
            f"version {meta.get('version')!r}; expected {COMPARISON_KIND!r}, version {COMPARISON_VERSION})"
        )
    for _, sub in entries:
        if Path(sub).name != sub or sub in ("", ".", ".."):
            raise ValueError(f"{meta_path}: scenario folder {sub!r} is not a folder name inside {folder}")
    return meta, {name: load_results(folder / sub) for name, sub in entries}
