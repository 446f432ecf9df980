"""Results folders: ``manifest.json`` plus Parquet tables, written atomically.

A results folder holds one run of a scenario (docs/architecture.md, "Results
folder")::

    results/<scenario>-<UTC timestamp>/
        manifest.json     how the run was made: config, hash, seeds, versions, git
        metrics.parquet   one row per (replicate, month)
        flows.parquet     one row per shipped (replicate, month, src, dst, good, route)
        events.parquet    one row per event that fired
        inputs.parquet    one row per replicate: its design point, random stream and the
                          parameters that vary (drawn uncertainties, design values)

:class:`ResultsWriter` claims the folder's name (creates it empty) before any
batch, then streams an ensemble to disk batch by batch, so memory stays flat,
into a hidden temporary sibling folder that replaces the empty one only when
every table and the manifest are complete (:class:`sanctionsim.atomic.AtomicFolder`).
A results folder with files is therefore complete; an interrupted run leaves
nothing behind (or, if the process is killed outright, the empty claimed folder
and a hidden ``.<name>.tmp-*`` folder). Existing folders are never overwritten.
The manifest records the format's :data:`SCHEMA_VERSION` and each table's
SHA-256, which :func:`load_results` checks, with the ``config_hash``.

:func:`load_results` reads a folder back into a :class:`Results`;
:func:`write_results` writes an in-memory :class:`Results`;
:func:`build_manifest` gathers what a manifest records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sanctionsim.atomic import AtomicFolder, explained, is_temporary
from sanctionsim.scenario.loader import compute_config_hash

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "EVENTS_SCHEMA",
    "FLOWS_SCHEMA",
    "INPUT_FIELDS",
    "KEY_FIELDS",
    "MANIFEST_NAME",
    "SCHEMA_VERSION",
    "TABLES",
    "Results",
    "ResultsWriter",
    "actors_of",
    "build_manifest",
    "load_results",
    "new_folder_name",
    "verify_manifest",
    "write_results",
]

#: Name of the manifest file in a results folder.
MANIFEST_NAME = "manifest.json"

#: Version of the results folder's format, recorded as the manifest's ``schema_version``; readers
#: refuse a folder of a version they do not know. Version 1: manifest with ``config_hash`` and
#: ``table_sha256``, the tables but ``inputs``; version 2: ``inputs.parquet`` too.
SCHEMA_VERSION = 2
#: The versions this sanctionsim reads (a version 1 folder loads with ``inputs`` = ``None``).
READABLE_VERSIONS: tuple[int, ...] = (1, 2)

#: The tables of a results folder; each is stored as ``<name>.parquet``.
TABLES: tuple[str, ...] = ("metrics", "flows", "events", "inputs")

#: Text recorded in the manifest on how replicate seeds derive from the run seed.
REPLICATE_SEEDS = "SeedSequence(seed, spawn_key=(replicate,))"

#: Columns that start every table: replicate, month (0 = start month), first day of the month.
KEY_FIELDS: tuple[pa.Field, ...] = (
    pa.field("replicate", pa.int32(), nullable=False),
    pa.field("month", pa.int32(), nullable=False),
    pa.field("date", pa.timestamp("ns"), nullable=False),
)

#: Schema of ``flows.parquet``: quantities in good units, value in USD.
FLOWS_SCHEMA = pa.schema(
    [
        *KEY_FIELDS,
        pa.field("src", pa.string()),
        pa.field("dst", pa.string()),
        pa.field("good", pa.string()),
        pa.field("route", pa.string()),
        pa.field("shipped", pa.float64()),
        pa.field("delivered", pa.float64()),
        pa.field("interdicted", pa.float64()),
        pa.field("value", pa.float64()),
    ]
)

#: Schema of ``events.parquet``; ``kind`` is ``scheduled`` or ``conditional``.
EVENTS_SCHEMA = pa.schema(
    [
        *KEY_FIELDS,
        pa.field("event", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("detail", pa.string()),
    ]
)

#: Columns that start ``inputs.parquet``; one float64 column per varying parameter follows, named by
#: its canonical path (``war.fire_rate``).
INPUT_FIELDS: tuple[pa.Field, ...] = (
    pa.field("replicate", pa.int32(), nullable=False),
    pa.field("point", pa.int32(), nullable=False),
    pa.field("stream", pa.int64(), nullable=False),
)

_VERSIONED_PACKAGES = ("sanctionsim", "mesa", "numpy", "pandas", "pyarrow")


def actors_of(manifest: Mapping[str, Any]) -> list[str]:
    """Actor codes of a run in scenario order, from its manifest.

    Raises:
        ValueError: If the manifest records no actors.
    """
    actors = manifest.get("actors") or list((manifest.get("config") or {}).get("actors") or [])
    if not actors:
        raise ValueError("manifest records no actors (expected 'actors' or 'config.actors')")
    return list(actors)


@dataclass(eq=False)
class Results:
    """The output of one run: three tables and the manifest that describes them.

    Attributes:
        metrics: One row per (replicate, month): ``replicate`` (int32), ``month``
            (int32, 0 = start month), ``date`` (datetime64[ns], first day of the
            month), then one float64 column per metric in
            ``metrics.metric_names(actors)`` order.
        flows: ``replicate``, ``month``, ``date``, ``src``, ``dst``, ``good``,
            ``route``, ``shipped``, ``delivered``, ``interdicted`` (good units),
            ``value`` (USD). Only rows with ``shipped > 0``.
        events: ``replicate``, ``month``, ``date``, ``event``, ``kind``
            (``scheduled`` or ``conditional``), ``detail``.
        manifest: What :func:`build_manifest` records (scenario, config, seeds,
            versions, ...).
        path: The results folder, or ``None`` when held only in memory.
        inputs: One row per replicate: ``replicate`` (int32), ``point`` (int32: the design point),
            ``stream`` (int64: the random stream), then one float64 column per parameter that
            varies, named by its path. ``None`` for a folder written before inputs were recorded.
    """

    metrics: pd.DataFrame
    flows: pd.DataFrame
    events: pd.DataFrame
    manifest: dict[str, Any]
    path: Path | None = None
    inputs: pd.DataFrame | None = None

    @property
    def actors(self) -> list[str]:
        """Actor codes of the run, in scenario order (metric names for pairs follow it)."""
        return actors_of(self.manifest)

    @property
    def parameters(self) -> list[str]:
        """Paths of the parameters that vary per replicate (the inputs' columns after the keys)."""
        keys = {f.name for f in INPUT_FIELDS}
        return [] if self.inputs is None else [c for c in self.inputs.columns if c not in keys]

    def joined(self, outcomes: pd.DataFrame | pd.Series | Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The inputs, one row per replicate, with per-replicate outcomes joined by replicate.

        Args:
            outcomes: Values per replicate: a frame or series indexed by replicate (or with a
                ``replicate`` column), or a mapping of names to arrays in replicate order.
                ``sanctionsim.analysis.outcomes.outcomes`` computes them from claim-grammar
                expressions (``ss.joined`` does both).

        Raises:
            ValueError: If the results record no inputs, or an outcome does not cover every replicate.
        """
        if self.inputs is None:
            raise ValueError(
                f"{self.path or 'these results'} record no inputs (the folder predates inputs.parquet); "
                f"run it again with `sanctionsim replay`"
            )
        table = self.inputs.sort_values("replicate", kind="stable").reset_index(drop=True)
        if outcomes is None:
            return table
        if isinstance(outcomes, Mapping):
            sizes = {len(np.asarray(v)) for v in outcomes.values()}
            if sizes - {len(table)}:
                raise ValueError(f"outcomes cover {sorted(sizes)} replicates; the inputs have {len(table)}")
            columns = {str(k): np.asarray(v) for k, v in outcomes.items()}
            outcomes = pd.DataFrame(columns, index=table["replicate"])
        if isinstance(outcomes, pd.Series):
            outcomes = outcomes.to_frame()
        if "replicate" in outcomes.columns:
            outcomes = outcomes.set_index("replicate")
        if len(outcomes) != len(table) or not np.array_equal(
            np.sort(outcomes.index.to_numpy()), table["replicate"].to_numpy()
        ):
            raise ValueError(f"outcomes cover {len(outcomes)} replicates; the inputs have {len(table)}")
        clash = [c for c in outcomes.columns if c in table.columns]
        if clash:
            raise ValueError(f"outcome names {clash} are input columns too")
        return table.join(outcomes, on="replicate")

    def to_long(self) -> pd.DataFrame:
        """The metrics in long form: replicate, date, metric, actor, value.

        See :func:`sanctionsim.results.views.long_metrics`.
        """
        from sanctionsim.results.views import long_metrics

        return long_metrics(self)

    def to_xarray(self) -> xr.Dataset:
        """The metrics as an xarray Dataset over replicate, date and actor.

        See :func:`sanctionsim.results.views.to_xarray`.
        """
        from sanctionsim.results.views import to_xarray

        return to_xarray(self)

    def _repr_html_(self) -> str:
        from sanctionsim.results.views import summary_html

        return summary_html(self)

    def __repr__(self) -> str:
        scenario = self.manifest.get("scenario", "?")
        runs = self.manifest.get("runs", "?")
        return (
            f"Results(scenario={scenario!r}, runs={runs}, metrics={len(self.metrics)} rows, "
            f"flows={len(self.flows)} rows, events={len(self.events)} rows, path={self.path!r})"
        )


class ResultsWriter:
    """Write a results folder batch by batch, atomically.

    Entering claims ``out_dir`` (creates it empty). Each :meth:`write_batch`
    appends one Parquet row group per table into a hidden temporary sibling
    folder ``.<name>.tmp-<pid>-<random>``. Leaving the ``with`` block normally
    writes ``manifest.json`` (with ``schema_version`` and ``table_sha256``) and
    renames the folder over the claimed ``out_dir``; leaving it by an exception
    deletes the temporary folder and the claim.

    Example:
        >>> with ResultsWriter(out_dir, manifest=manifest) as writer:  # doctest: +SKIP
        ...     for batch in batches:
        ...         writer.write_batch(metrics=batch.metrics, flows=batch.flows, events=batch.events)

    Attributes:
        out_dir: The results folder to create.
        manifest: A copy of the manifest given; callers may add keys before the
            ``with`` block ends. Its ``tables`` entry is set to the files written.
        tmp_dir: The temporary folder while writing, else ``None``.
    """

    def __init__(self, out_dir: Path | str, *, manifest: Mapping[str, Any]) -> None:
        """Check the target and the manifest before any work is done.

        Args:
            out_dir: The results folder to create. It must not exist yet; its
                parent folders are created if needed.
            manifest: The run's manifest, usually from :func:`build_manifest`.
                Must be serialisable to JSON.

        Raises:
            FileExistsError: ``out_dir`` already exists (it is left untouched).
            TypeError: The manifest holds a value JSON cannot represent.
        """
        self.out_dir = Path(out_dir)
        self._folder = AtomicFolder(self.out_dir)
        _refuse_existing(self.out_dir)
        self.manifest: dict[str, Any] = dict(manifest)
        self.manifest["tables"] = [f"{name}.parquet" for name in TABLES]
        _dump_manifest(self.manifest)  # fail now, not after hours of simulation
        self.tmp_dir: Path | None = None
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._schemas: dict[str, pa.Schema] = {"flows": FLOWS_SCHEMA, "events": EVENTS_SCHEMA}
        self._firsts: dict[str, tuple[pa.Field, ...]] = {"metrics": KEY_FIELDS, "inputs": INPUT_FIELDS}
        self._rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        self._closed = False

    @property
    def rows(self) -> dict[str, int]:
        """Rows written so far, per table."""
        return dict(self._rows)

    def __enter__(self) -> Self:
        """Create the temporary folder and open the flows and events files."""
        if self.tmp_dir is not None or self._closed:
            raise RuntimeError("a ResultsWriter can be entered only once")
        _refuse_existing(self.out_dir)
        self.tmp_dir = self._folder.open()
        try:
            for table in ("flows", "events"):
                self._open(table, self._schemas[table])
        except BaseException:
            self._discard()
            raise
        return self

    def write_batch(
        self,
        metrics: pd.DataFrame,
        flows: pd.DataFrame,
        events: pd.DataFrame,
        inputs: pd.DataFrame | None = None,
    ) -> None:
        """Append one batch of replicates: one row group per non-empty table.

        The metrics (inputs) columns of the first batch fix the metrics (inputs)
        schema: key columns (:data:`KEY_FIELDS`, :data:`INPUT_FIELDS`), then
        float64 values; later batches must have the same columns. Flows and
        events must have exactly the columns of :data:`FLOWS_SCHEMA` and
        :data:`EVENTS_SCHEMA`; an empty frame (even one without columns) writes
        nothing and is always accepted.

        Args:
            metrics: Metrics rows of the batch.
            flows: Flow rows of the batch.
            events: Event rows of the batch.
            inputs: Inputs rows of the batch (one per replicate).

        Raises:
            RuntimeError: The writer is not open (use it in a ``with`` block).
            ValueError: A table's columns or values do not fit its schema.
        """
        if self.tmp_dir is None or self._closed:
            raise RuntimeError("write_batch needs an open writer: use `with ResultsWriter(...) as writer`")
        inputs = pd.DataFrame() if inputs is None else inputs
        for table, frame in (("metrics", metrics), ("inputs", inputs)):
            if table not in self._schemas and len(frame.columns) > 0:
                self._schemas[table] = _values_schema(frame, keys=self._firsts[table], table=table)
                self._open(table, self._schemas[table])
        for table, frame in (("metrics", metrics), ("flows", flows), ("events", events), ("inputs", inputs)):
            if len(frame) == 0:
                continue
            schema = self._schemas[table]
            arrow_table = _to_arrow(frame, schema, table=table)
            self._writers[table].write_table(arrow_table)
            self._rows[table] += arrow_table.num_rows

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Publish the folder on success; delete the temporary folder on failure."""
        if exc_type is not None:
            self._discard()
            return
        try:
            self._finish()
        except BaseException:
            self._discard()
            raise

    def _open(self, table: str, schema: pa.Schema) -> None:
        assert self.tmp_dir is not None
        self._writers[table] = pq.ParquetWriter(self.tmp_dir / f"{table}.parquet", schema)

    def _close_writers(self) -> None:
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()

    def _discard(self) -> None:
        self._closed = True
        with contextlib.suppress(Exception):  # the folder is deleted anyway
            self._close_writers()
        self._folder.discard()
        self.tmp_dir = None

    def _finish(self) -> None:
        assert self.tmp_dir is not None
        for table, keys in self._firsts.items():
            if table not in self._schemas:  # no batch at all: keep the key columns
                self._schemas[table] = pa.schema(keys)
                self._open(table, self._schemas[table])
        self._close_writers()
        self._closed = True
        self.manifest["schema_version"] = SCHEMA_VERSION
        self.manifest["table_sha256"] = {
            f"{table}.parquet": _sha256(self.tmp_dir / f"{table}.parquet") for table in TABLES
        }
        (self.tmp_dir / MANIFEST_NAME).write_text(_dump_manifest(self.manifest), encoding="utf-8")
        self._folder.commit()
        self.tmp_dir = None


def write_results(results: Results, out_dir: Path | str) -> Path:
    """Write in-memory results as a new results folder.

    Args:
        results: The results to write; ``results.path`` is ignored.
        out_dir: The folder to create; it must not exist.

    Returns:
        The results folder.

    Raises:
        FileExistsError: ``out_dir`` already exists (it is left untouched).
    """
    with ResultsWriter(out_dir, manifest=results.manifest) as writer:
        writer.write_batch(
            metrics=results.metrics, flows=results.flows, events=results.events, inputs=results.inputs
        )
    return Path(out_dir)


def load_results(path: Path | str, *, verify: bool = True) -> Results:
    """Read a results folder, checking that it is complete, of a known format and unchanged.

    Args:
        path: The results folder (the one holding ``manifest.json``).
        verify: Check the manifest's ``schema_version``, that its ``config_hash`` is the hash of
            its ``config`` and that each table matches its recorded checksum (see
            :func:`verify_manifest`).

    Returns:
        The results, with ``path`` set to the folder.

    Raises:
        FileNotFoundError: The folder, its manifest or one of its tables is
            missing. The message names the folder.
        ValueError: The manifest is not valid JSON or not a results manifest, the folder is an
            unfinished temporary folder or an empty claimed one, it was written by an incompatible
            version, or it was changed after it was written (each one line naming the file).
        OSError: A file cannot be read (one line naming it).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"No results folder at {folder}")
    if is_temporary(folder):
        raise ValueError(f"{folder} is the temporary folder of an unfinished run, not a results folder")
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        if not any(folder.iterdir()):
            raise ValueError(
                f"{folder} is empty: a run is writing it, or one was stopped before it finished "
                "(delete it if no run is going on)"
            )
        raise FileNotFoundError(f"{folder} is not a complete results folder: {MANIFEST_NAME} is missing")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{manifest_path} is not valid JSON: {err}") from None
    except OSError as err:
        raise explained(err, "read", manifest_path) from None
    if not isinstance(manifest, dict):
        raise ValueError(f"{manifest_path} is not a results manifest: it holds a {type(manifest).__name__}")
    if verify:
        verify_manifest(manifest, folder)
    frames: dict[str, pd.DataFrame | None] = {"inputs": None}  # none in a version 1 folder
    for table in tables_of(manifest):
        table_path = folder / f"{table}.parquet"
        if not table_path.is_file():
            raise FileNotFoundError(
                f"{folder} is not a complete results folder: {table_path.name} is missing"
            )
        try:
            frames[table] = pq.read_table(table_path).to_pandas()
        except pa.ArrowException as err:
            raise ValueError(f"{table_path} is not a readable Parquet table: {err}") from None
        except OSError as err:
            raise explained(err, "read", table_path) from None
    metrics, flows, events = frames["metrics"], frames["flows"], frames["events"]
    assert metrics is not None and flows is not None and events is not None
    return Results(
        metrics=metrics, flows=flows, events=events, manifest=manifest, path=folder, inputs=frames["inputs"]
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tables_of(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """The tables a folder of the manifest's ``schema_version`` holds (version 1: no inputs)."""
    return TABLES[:3] if manifest.get("schema_version") == 1 else TABLES


def verify_manifest(manifest: Mapping[str, Any], folder: Path) -> None:
    """Check that a results folder is of this format and unchanged since it was written.

    Raises:
        ValueError: One line naming the file: no or another ``schema_version`` (written by another
            version of sanctionsim), a ``config_hash`` that is not the hash of ``config`` (the
            manifest was edited), or a table whose SHA-256 differs from the one recorded (the table
            was changed).
    """
    where = folder / MANIFEST_NAME
    version = manifest.get("schema_version")
    if version is None:
        raise ValueError(
            f"{where} has no schema_version: it was written by an older sanctionsim, or is not a results "
            "manifest; run the scenario again to make a folder this version reads"
        )
    if version not in READABLE_VERSIONS:
        raise ValueError(
            f"{where} has schema_version {version!r}, but this sanctionsim reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}; use the sanctionsim that wrote it, "
            "or run the scenario again"
        )
    config, recorded = manifest.get("config"), manifest.get("config_hash")
    if not isinstance(config, Mapping) or not isinstance(recorded, str):
        raise ValueError(f"{where} lacks its config or config_hash: it was edited or damaged")
    if compute_config_hash(config) != recorded:
        raise ValueError(
            f"{where}: config_hash does not match the recorded config: the manifest was edited or damaged "
            "after the run, so it no longer says how the results were made"
        )
    sums = manifest.get("table_sha256")
    if not isinstance(sums, Mapping):
        raise ValueError(f"{where} lacks table_sha256: it was edited or damaged")
    for table in tables_of(manifest):
        name = f"{table}.parquet"
        file = folder / name
        if file.is_file() and sums.get(name) != _sha256(file):
            raise ValueError(
                f"{file} does not match the checksum in its manifest: the table was changed after the run"
            )


def build_manifest(
    *,
    scenario_name: str,
    config: Mapping[str, Any],
    config_hash: str,
    seed: int,
    runs: int,
    months: int,
    start: str | dt.date,
    command: str | Sequence[str],
) -> dict[str, Any]:
    """Gather what a results folder's ``manifest.json`` records.

    Args:
        scenario_name: The scenario's name.
        config: The resolved scenario (plain data, after ``extends`` and overrides).
        config_hash: sha256 of the canonical JSON of ``config``.
        seed: The run's seed; replicate ``r`` uses ``SeedSequence(seed, spawn_key=(r,))``.
        runs: Number of replicates.
        months: Number of simulated months.
        start: Start month (a date, or text such as ``"2024-01"``).
        command: The command line that made the run (a string or its arguments).

    Returns:
        The manifest: the arguments plus ``replicate_seeds``, ``versions``,
        ``git_revision``, ``git_dirty``, ``created`` (UTC, ISO 8601) and ``tables``.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": scenario_name,
        "config": dict(config),
        "config_hash": config_hash,
        "seed": int(seed),
        "runs": int(runs),
        "months": int(months),
        "start": start.isoformat() if isinstance(start, dt.date) else str(start),
        "replicate_seeds": REPLICATE_SEEDS,
        "versions": _versions(),
        **_git_state(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command if isinstance(command, str) else shlex.join(command),
        "tables": [f"{name}.parquet" for name in TABLES],
    }


def new_folder_name(prefix: str) -> str:
    """A default name for a new results or comparison folder: ``<prefix>-<UTC time>-<random>``.

    The time has milliseconds and the suffix 16 random bits, so two runs started together do not
    pick the same name; the writer also claims the name before it simulates (see
    :class:`sanctionsim.atomic.AtomicFolder`), so a clash is refused at once, never after a run.
    """
    now = dt.datetime.now(dt.UTC)
    safe = prefix.replace("/", "-").replace("\\", "-").strip(".") or "run"
    return f"{safe}-{now:%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}Z-{secrets.token_hex(2)}"


def _refuse_existing(out_dir: Path) -> None:
    if out_dir.exists():
        raise FileExistsError(
            f"Results folder {out_dir} already exists; results are never overwritten. "
            f"Pass another --out, or move or delete that folder."
        )


def _values_schema(frame: pd.DataFrame, *, keys: Sequence[pa.Field], table: str) -> pa.Schema:
    """Key columns, then one float64 column per other column of the frame (metrics, inputs)."""
    columns = [str(c) for c in frame.columns]
    names = [k.name for k in keys]
    missing = [k for k in names if k not in columns]
    if missing:
        raise ValueError(f"{table} batch lacks the key column(s) {missing}; it has {columns}")
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise ValueError(f"{table} batch has duplicate column(s) {duplicates}")
    values = [pa.field(c, pa.float64()) for c in columns if c not in names]
    return pa.schema([*keys, *values])


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema, *, table: str) -> pa.Table:
    columns = [str(c) for c in frame.columns]
    missing = [n for n in schema.names if n not in columns]
    extra = [c for c in columns if c not in schema.names]
    if missing or extra:
        raise ValueError(
            f"{table} batch does not match the {table} schema: missing columns {missing}, "
            f"unexpected columns {extra}"
        )
    try:
        arrow_table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False, safe=True)
    except pa.ArrowException as err:  # invalid, wrong type, or a conversion pyarrow lacks
        raise ValueError(f"{table} batch does not fit the {table} schema: {err}") from err
    return arrow_table.replace_schema_metadata(None)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"manifest value of type {type(value).__name__} is not JSON serialisable: {value!r}")


def _dump_manifest(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=False, default=_json_default, ensure_ascii=False) + "\n"


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=10,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},  # never take the index lock
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _git_state() -> dict[str, Any]:
    """The current directory's git revision and whether its work tree is dirty (``None`` if unknown)."""
    revision = (_git("rev-parse", "--verify", "--quiet", "HEAD") or "").strip()
    status = _git("status", "--porcelain")
    return {
        "git_revision": revision or None,
        "git_dirty": bool(status.strip()) if status is not None else None,
    }
