"""Results folders: ``manifest.json`` plus Parquet tables written part by part, atomically, resumably.

A results folder holds one run of a scenario (docs/architecture.md, "Results folder")::

    results/<scenario>-<UTC timestamp>/
        manifest.json                     how the run was made: config, hash, seeds, versions, git
        metrics.parquet/part-000000.parquet   one row per (replicate, month), one file per batch
        flows.parquet/part-000000.parquet     one row per shipped (replicate, month, src, dst, good, route)
        events.parquet/part-000000.parquet    one row per event that fired
        inputs.parquet/part-000000.parquet    one row per replicate: its design point, random stream
                                              and the parameters that vary (drawn, or a design's)

Each table is a folder of Parquet files, one per batch of replicates (readable as one table by
pandas, pyarrow and DuckDB: ``pd.read_parquet(folder / "metrics.parquet")``).

:class:`ResultsWriter` claims the folder's name (creates it empty) before any batch, then writes
each finished batch's files into the hidden sibling ``.<name>.tmp-resumable`` as it arrives (in any
order), with a record of the batch (``_progress/part-NNNNNN.json``: its replicates and each file's
SHA-256) written after its files. Leaving the writer normally writes ``manifest.json`` (with
``schema_version``, ``table_sha256`` of every part and the rows of each table) and renames the
folder over the claimed one; an error or Ctrl-C deletes it. A folder with files is therefore
complete. A writer that is killed outright (SIGKILL, power cut) leaves the empty claimed folder
and the temporary one: a new writer for the same folder and run (``resume=True``) keeps every
batch whose record and files verify, and the run computes only the others (``--resume``, or a
rerun into the same ``--out``). Existing complete folders are never overwritten.

:func:`load_results` checks a folder (format, config hash, checksums) and returns a lazy
:class:`Results`: tables are read when first used (pandas), or scanned without loading
(:meth:`Results.dataset`, a pyarrow dataset, for results too large for memory).
:func:`write_results` writes an in-memory :class:`Results`; :func:`build_manifest` gathers what a
manifest records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
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
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from sanctionsim.atomic import (
    AtomicFolder,
    explained,
    is_temporary,
    resumable_sibling,
    write_bytes,
    write_text,
)
from sanctionsim.interrupts import NOTHING_WRITTEN
from sanctionsim.results.tables import (
    EVENTS_SCHEMA,
    FLOWS_SCHEMA,
    INPUT_FIELDS,
    KEY_FIELDS,
    frame_to_table,
    inputs_schema,
    metrics_schema,
    parquet_bytes,
    to_pandas,
)
from sanctionsim.results.views import long_metrics, summary_html, to_xarray
from sanctionsim.scenario.loader import compute_config_hash

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "EVENTS_SCHEMA",
    "FLOWS_SCHEMA",
    "INPUT_FIELDS",
    "KEY_FIELDS",
    "MANIFEST_NAME",
    "NOTHING_WRITTEN",
    "SCHEMA_VERSION",
    "TABLES",
    "BatchRecord",
    "Results",
    "ResultsWriter",
    "actors_of",
    "build_manifest",
    "load_results",
    "new_folder_name",
    "part_name",
    "unfinished_run",
    "verify_manifest",
    "write_results",
]

#: Name of the manifest file in a results folder.
MANIFEST_NAME = "manifest.json"
#: File that marks a comparison folder (:mod:`sanctionsim.results.comparison`).
COMPARISON_NAME = "comparison.json"

#: Version of the results folder's format, recorded as the manifest's ``schema_version``; readers
#: refuse a folder of another version. Version 1: one Parquet file per table. Version 2: one folder
#: of Parquet parts per table (one part per batch), text dictionary-encoded, ``table_sha256`` per
#: part, the rows of each table, the recording mode and the batches; some also ``inputs``. Version 3:
#: ``inputs`` always. Every version lists its tables in the manifest's ``tables``.
SCHEMA_VERSION = 3
#: Versions this sanctionsim reads (folders without ``inputs`` load with ``inputs`` = ``None``).
READABLE_VERSIONS = (1, 2, 3)

#: The tables of a results folder; each is stored as ``<name>.parquet`` (a folder of parts).
TABLES: tuple[str, ...] = ("metrics", "flows", "events", "inputs")

#: Text recorded in the manifest on how replicate seeds derive from the run seed.
REPLICATE_SEEDS = "SeedSequence(seed, spawn_key=(replicate,))"

#: Why a table's checksum can differ.
CHANGED = "the table was changed after the run"


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; its message says what was kept (one line for the CLI).

    Attributes:
        signum: The signal that stopped the run (the CLI exits with 128 + it).
    """

    def __init__(self, message: str = NOTHING_WRITTEN, *, signum: int = 2) -> None:
        """Keep the message and the signal."""
        super().__init__(message)
        self.signum = signum

    def __str__(self) -> str:
        return str(self.args[0])


#: Where a writer keeps the record of each finished batch while it works (removed when complete).
PROGRESS = "_progress"

_VERSIONED_PACKAGES = ("sanctionsim", "mesa", "numpy", "pandas", "pyarrow", "numba")


def part_name(table: str, index: int) -> str:
    """Path of batch ``index``'s part of ``table`` inside a results folder."""
    return f"{table}.parquet/part-{index:06d}.parquet"


def actors_of(manifest: Mapping[str, Any]) -> list[str]:
    """Actor codes of a run in scenario order, from its manifest.

    Raises:
        ValueError: If the manifest records no actors.
    """
    actors = manifest.get("actors") or list((manifest.get("config") or {}).get("actors") or [])
    if not actors:
        raise ValueError("manifest records no actors (expected 'actors' or 'config.actors')")
    return list(actors)


class Results:
    """The output of one run: three tables and the manifest that describes them.

    Tables given as frames are held in memory; those of a results folder are read when first used
    and kept (``results.metrics``), or scanned without loading them (:meth:`dataset`, :meth:`scan`).

    Attributes:
        metrics: One row per (replicate, month): ``replicate`` (int32), ``month``
            (int32, 0 = start month), ``date`` (datetime64[ns], first day of the
            month), then one float64 column per metric in
            ``metrics.metric_names(actors)`` order.
        flows: ``replicate``, ``month``, ``date``, ``src``, ``dst``, ``good``,
            ``route``, ``shipped``, ``delivered``, ``interdicted`` (good units),
            ``value`` (USD). Only rows with ``shipped > 0``; float32 quantities when the run
            recorded ``flows``, no rows when it recorded ``metrics``.
        events: ``replicate``, ``month``, ``date``, ``event``, ``kind``
            (``scheduled`` or ``conditional``), ``detail``.
        manifest: What :func:`build_manifest` records (scenario, config, seeds,
            versions, ...).
        path: The results folder, or ``None`` when held only in memory.
        inputs: One row per replicate: ``replicate`` (int32), ``point`` (int32: the design point),
            ``stream`` (int64: the random stream), then one float64 column per parameter that
            varies, named by its path. ``None`` for a folder written before inputs were recorded.
    """

    def __init__(
        self,
        metrics: pd.DataFrame | None = None,
        flows: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        manifest: dict[str, Any] | None = None,
        path: Path | None = None,
        inputs: pd.DataFrame | None = None,
    ) -> None:
        """Hold the given tables; any table not given is read from ``path`` when first used."""
        self._frames: dict[str, pd.DataFrame] = {
            name: frame
            for name, frame in zip(TABLES, (metrics, flows, events, inputs), strict=True)
            if frame is not None
        }
        self.manifest: dict[str, Any] = manifest if manifest is not None else {}
        self.path = path

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if self.path is None:
                raise ValueError(f"these results hold no {name} table and have no folder to read it from")
            self._frames[name] = to_pandas(read_table(self.path, name, self.manifest))
        return self._frames[name]

    @property
    def metrics(self) -> pd.DataFrame:
        """The metrics table (read from the folder when first used)."""
        return self._table("metrics")

    @property
    def flows(self) -> pd.DataFrame:
        """The flows table (read from the folder when first used)."""
        return self._table("flows")

    @property
    def events(self) -> pd.DataFrame:
        """The events table (read from the folder when first used)."""
        return self._table("events")

    @property
    def inputs(self) -> pd.DataFrame | None:
        """The inputs table (read when first used); ``None`` when the run recorded none."""
        return self._table("inputs") if self._holds("inputs") else None

    def _holds(self, name: str) -> bool:
        """Whether the results have table ``name`` (in memory, or in their folder)."""
        return name in self._frames or (self.path is not None and name in tables_of(self.manifest))

    @property
    def parameters(self) -> list[str]:
        """Paths of the parameters that vary per replicate (the inputs' columns after the keys)."""
        keys = {f.name for f in INPUT_FIELDS}
        inputs = self.inputs
        return [] if inputs is None else [c for c in inputs.columns if c not in keys]

    def loaded(self, name: str) -> bool:
        """Whether table ``name`` is in memory."""
        return name in self._frames

    def dataset(self, name: str) -> pads.Dataset:
        """Table ``name`` of the results folder as a pyarrow dataset: filter and project it without
        loading it (``dataset("metrics").to_table(columns=[...], filter=...)``), or hand it to DuckDB."""
        if self.path is None:
            return pads.dataset(pa.Table.from_pandas(self._table(name), preserve_index=False))
        return table_dataset(self.path, name, self.manifest)

    def scan(self, name: str, *, columns: Sequence[str] | None = None, filter: Any = None) -> pd.DataFrame:
        """Part of table ``name`` as pandas: only ``columns``, only rows matching ``filter`` (a pyarrow
        expression, e.g. ``pyarrow.dataset.field("replicate") < 10``), read from the parts."""
        if name in self._frames:
            frame = self._frames[name]
            return frame[list(columns)] if columns is not None else frame
        table = self.dataset(name).to_table(columns=list(columns) if columns else None, filter=filter)
        return to_pandas(table)

    def rows(self, name: str) -> int:
        """Rows of table ``name``, without reading it when the manifest records them."""
        recorded = (self.manifest.get("rows") or {}).get(name)
        if name not in self._frames and isinstance(recorded, int):
            return recorded
        return len(self._table(name))

    @property
    def actors(self) -> list[str]:
        """Actor codes of the run, in scenario order (metric names for pairs follow it)."""
        return actors_of(self.manifest)

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
        return long_metrics(self)

    def to_xarray(self) -> xr.Dataset:
        """The metrics as an xarray Dataset over replicate, date and actor.

        See :func:`sanctionsim.results.views.to_xarray`.
        """
        return to_xarray(self)

    def _repr_html_(self) -> str:
        return summary_html(self)

    def __repr__(self) -> str:
        scenario = self.manifest.get("scenario", "?")
        runs = self.manifest.get("runs", "?")
        counts = ", ".join(f"{t}={self.rows(t)} rows" for t in TABLES if self._holds(t))
        return f"Results(scenario={scenario!r}, runs={runs}, {counts}, path={self.path!r})"


@dataclass(frozen=True)
class BatchRecord:
    """A finished batch as its record says: its number, replicates, files and their checksums."""

    index: int
    start: int
    stop: int
    sha256: dict[str, str]
    rows: dict[str, int]


class ResultsWriter:
    """Write a results folder batch by batch, atomically and resumably (see the module docstring).

    Example:
        >>> with ResultsWriter(out_dir, manifest=manifest) as writer:  # doctest: +SKIP
        ...     for part in parts:
        ...         writer.write_part(part.index, part.files, start=part.start, stop=part.stop)

    Attributes:
        out_dir: The results folder to create.
        manifest: A copy of the manifest given; callers may add keys before the ``with`` block ends.
        tmp_dir: The temporary folder while writing, else ``None``.
        resumed: Whether the writer reopened what a killed writer left.
        kept: The batches a resumed writer kept, by number.
    """

    def __init__(
        self,
        out_dir: Path | str,
        *,
        manifest: Mapping[str, Any],
        resume: bool = False,
        keep_on_interrupt: bool = False,
    ) -> None:
        """Check the target and the manifest before any work is done.

        Args:
            out_dir: The results folder to create. It must not exist yet (unless ``resume`` and a
                killed writer left it to finish); its parent folders are created if needed.
            manifest: The run's manifest, usually from :func:`build_manifest`. Must be serialisable
                to JSON.
            resume: Finish what a killed writer of the same run left, if anything.
            keep_on_interrupt: On Ctrl-C or SIGTERM, keep the finished batches for a later writer
                to finish (as a killed writer's are) and raise :class:`RunInterrupted` saying so;
                otherwise (or when no batch had finished) delete everything.

        Raises:
            FileExistsError: ``out_dir`` already exists (it is left untouched).
            TypeError: The manifest holds a value JSON cannot represent.
        """
        self.out_dir = Path(out_dir)
        self._folder = AtomicFolder(self.out_dir, resumable=True)
        self._resume = resume and self._folder.can_resume()
        self._keep_on_interrupt = keep_on_interrupt
        if not self._resume:
            _refuse_existing(self.out_dir)
        self.manifest: dict[str, Any] = dict(manifest)
        self.manifest["tables"] = [f"{name}.parquet" for name in TABLES]
        _dump_manifest(self.manifest)  # fail now, not after hours of simulation
        self.tmp_dir: Path | None = None
        self.resumed = False
        self.kept: dict[int, BatchRecord] = {}
        self._records: dict[int, BatchRecord] = {}
        self._lock: int | None = None
        self._metrics_names: list[str] | None = None
        self._input_names: list[str] | None = None
        self._next = 0
        self._closed = False

    @property
    def rows(self) -> dict[str, int]:
        """Rows written so far, per table."""
        return {t: sum(r.rows.get(t, 0) for r in self._records.values()) for t in TABLES}

    @property
    def records(self) -> dict[int, BatchRecord]:
        """Every finished batch so far (kept or written), by number."""
        return dict(self._records)

    def __enter__(self) -> Self:
        """Claim the folder and open the temporary one, or reopen a killed writer's (``resume``)."""
        if self.tmp_dir is not None or self._closed:
            raise RuntimeError("a ResultsWriter can be entered only once")
        if not self._resume:
            _refuse_existing(self.out_dir)
        self.tmp_dir = self._folder.open(resume=self._resume)
        self.resumed = self._folder.resumed
        try:
            (self.tmp_dir / PROGRESS).mkdir(exist_ok=True)
            self._take_lock()
            for table in TABLES:
                (self.tmp_dir / f"{table}.parquet").mkdir(exist_ok=True)
            run = _run_identity(self.manifest)
            run_file = self.tmp_dir / PROGRESS / "run.json"
            if self.resumed:
                self._check_same_run(run_file, run)
                self.kept = self._verified_records()
                self._records = dict(self.kept)
            else:
                write_text(run_file, json.dumps(run, sort_keys=True))
        except BaseException:
            if self.resumed:  # leave a killed writer's work for another try
                self._release_lock()
                self.tmp_dir, self._closed = None, True
            else:
                self._discard()
            raise
        return self

    def _take_lock(self) -> None:
        assert self.tmp_dir is not None
        fd = os.open(self.tmp_dir / PROGRESS / "lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise FileExistsError(
                f"{self.out_dir} is being written by another run (it holds the lock on its temporary folder)"
            ) from None
        self._lock = fd

    def _release_lock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = None

    def _check_same_run(self, run_file: Path, run: dict[str, Any]) -> None:
        try:
            before = json.loads(run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            before = None
        if before != run:
            raise ValueError(
                f"{self.out_dir} holds the unfinished results of another run (another configuration, "
                f"seed, runs, months, recording or batches); pass another --out, or delete {self.out_dir} "
                f"and {resumable_sibling(self.out_dir)}"
            )

    def _verified_records(self) -> dict[int, BatchRecord]:
        """The records of a killed writer's batches whose files are all there and unchanged."""
        assert self.tmp_dir is not None
        kept: dict[int, BatchRecord] = {}
        for path in sorted((self.tmp_dir / PROGRESS).glob("part-*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                record = BatchRecord(
                    int(data["index"]),
                    int(data["start"]),
                    int(data["stop"]),
                    {str(k): str(v) for k, v in data["sha256"].items()},
                    {str(k): int(v) for k, v in data["rows"].items()},
                )
                ok = all(
                    (self.tmp_dir / name).is_file() and _sha256(self.tmp_dir / name) == digest
                    for name, digest in record.sha256.items()
                )
            except (OSError, ValueError, KeyError, TypeError):
                ok = False
            if ok:
                kept[record.index] = record
            else:  # a batch that does not verify is computed again
                path.unlink(missing_ok=True)
        return kept

    def write_part(
        self,
        index: int,
        files: Mapping[str, bytes],
        *,
        start: int,
        stop: int,
        rows: Mapping[str, int] | None = None,
        extra: Mapping[str, bytes] | None = None,
    ) -> BatchRecord:
        """Write batch ``index``: each table's Parquet bytes, then the batch's record.

        Args:
            index: The batch's number (its parts are named by it).
            files: ``metrics``, ``flows`` and ``events`` as Parquet bytes.
            start: Its first replicate.
            stop: One past its last replicate.
            rows: Rows of each table (for the manifest).
            extra: Other files of the batch kept only while the run goes on (``_progress/<name>``),
                such as the outcomes the summary is made from.

        Raises:
            RuntimeError: The writer is not open, or the batch was written already.
        """
        if self.tmp_dir is None or self._closed:
            raise RuntimeError("write_part needs an open writer: use `with ResultsWriter(...) as writer`")
        if index in self._records:
            raise RuntimeError(f"batch {index} is written already; a batch is never written twice")
        if sorted(files) != sorted(TABLES):
            raise ValueError(f"a batch has the tables {', '.join(TABLES)}; got {', '.join(sorted(files))}")
        sums: dict[str, str] = {}
        for table in TABLES:
            name = part_name(table, index)
            write_bytes(self.tmp_dir / name, files[table], sync=False)  # checksummed, checked on resume
            sums[name] = hashlib.sha256(files[table]).hexdigest()
        for name, data in (extra or {}).items():
            write_bytes(self.tmp_dir / PROGRESS / name, data, sync=False)
            sums[f"{PROGRESS}/{name}"] = hashlib.sha256(data).hexdigest()
        record = BatchRecord(index, int(start), int(stop), sums, {k: int(v) for k, v in (rows or {}).items()})
        write_text(
            self.tmp_dir / PROGRESS / f"part-{index:06d}.json",
            json.dumps(
                {
                    "index": record.index,
                    "start": record.start,
                    "stop": record.stop,
                    "sha256": record.sha256,
                    "rows": record.rows,
                }
            ),
            sync=False,  # a torn record does not parse, and its batch is computed again
        )
        self._records[index] = record
        self._next = max(self._next, index + 1)
        return record

    def progress_file(self, name: str) -> bytes:
        """A file written with a batch's ``extra`` (for a resumed run's kept batches)."""
        if self.tmp_dir is None:
            raise RuntimeError("the writer is not open")
        return (self.tmp_dir / PROGRESS / name).read_bytes()

    def write_batch(
        self,
        metrics: pd.DataFrame,
        flows: pd.DataFrame,
        events: pd.DataFrame,
        inputs: pd.DataFrame | None = None,
    ) -> None:
        """Append one batch of replicates given as pandas tables (the next batch number).

        The metrics (inputs) columns of the first batch fix the metrics (inputs) schema: key
        columns (:data:`KEY_FIELDS`, :data:`INPUT_FIELDS`), then float64 values; later batches
        must have the same columns. Flows and events must have exactly the columns of
        :data:`FLOWS_SCHEMA` and :data:`EVENTS_SCHEMA`; an empty frame (even one without columns)
        writes no rows and is always accepted.

        Raises:
            RuntimeError: The writer is not open (use it in a ``with`` block).
            ValueError: A table's columns or values do not fit its schema.
        """
        if self.tmp_dir is None or self._closed:
            raise RuntimeError("write_batch needs an open writer: use `with ResultsWriter(...) as writer`")
        inputs = pd.DataFrame() if inputs is None else inputs
        if self._metrics_names is None and len(metrics.columns) > 0:
            self._metrics_names = _value_columns(metrics, KEY_FIELDS, table="metrics")
        if self._input_names is None and len(inputs.columns) > 0:
            self._input_names = _value_columns(inputs, INPUT_FIELDS, table="inputs")
        tables = {}
        for table, frame, schema in (
            ("metrics", metrics, metrics_schema(self._metrics_names or [])),
            ("flows", flows, FLOWS_SCHEMA),
            ("events", events, EVENTS_SCHEMA),
            ("inputs", inputs, inputs_schema(self._input_names or [])),
        ):
            if len(frame) == 0:
                tables[table] = schema.empty_table()
            else:
                tables[table] = frame_to_table(frame, schema, table=table)
        reps = tables["metrics"].column("replicate").to_numpy()
        start, stop = (int(reps.min()), int(reps.max()) + 1) if len(reps) else (0, 0)
        self.write_part(
            self._next,
            {t: parquet_bytes(tables[t]) for t in TABLES},
            start=start,
            stop=stop,
            rows={t: tables[t].num_rows for t in TABLES},
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Publish the folder on success; delete the temporary folder on failure, or keep the
        finished batches of an interrupted run (``keep_on_interrupt``)."""
        if exc_type is not None:
            signum = getattr(exc, "signum", 2)
            if issubclass(exc_type, KeyboardInterrupt) and self._keep_on_interrupt and self._records:
                self._closed = True
                self._release_lock()
                self.tmp_dir = None
                runs = sum(r.stop - r.start for r in self._records.values())
                raise RunInterrupted(
                    f"interrupted; {len(self._records)} finished batches ({runs:,} runs) kept: "
                    f"run the same command with --out {self.out_dir} to finish them",
                    signum=signum,
                ) from None
            self._discard()
            if issubclass(exc_type, KeyboardInterrupt):
                raise RunInterrupted(signum=signum) from None
            return
        try:
            self._finish()
        except BaseException:
            self._discard()
            raise

    def _discard(self) -> None:
        self._closed = True
        self._release_lock()
        self._folder.discard()
        self.tmp_dir = None

    def _finish(self) -> None:
        assert self.tmp_dir is not None
        if not self._records:  # no batch at all: keep the key columns of every table
            self.write_batch(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
        self._closed = True
        records = [self._records[i] for i in sorted(self._records)]
        self.manifest["schema_version"] = SCHEMA_VERSION
        self.manifest["rows"] = self.rows
        self.manifest["batches"] = [[r.start, r.stop] for r in records]
        self.manifest["table_sha256"] = {
            name: digest
            for r in records
            for name, digest in sorted(r.sha256.items())
            if not name.startswith(f"{PROGRESS}/")
        }
        self.manifest["run_hash"] = run_hash(self.manifest)
        listed = set(self.manifest["table_sha256"])
        for table in TABLES:  # a killed writer's half-written files, and parts of no batch, go
            for path in sorted((self.tmp_dir / f"{table}.parquet").iterdir()):
                if f"{table}.parquet/{path.name}" not in listed:
                    path.unlink()
        for path in sorted((self.tmp_dir / PROGRESS).iterdir()):
            path.unlink()
        self._release_lock()
        (self.tmp_dir / PROGRESS).rmdir()
        (self.tmp_dir / MANIFEST_NAME).write_text(_dump_manifest(self.manifest), encoding="utf-8")
        self._folder.commit()
        self.tmp_dir = None


def unfinished_run(out_dir: Path) -> dict[str, Any] | None:
    """What a killed writer left at ``out_dir`` to finish (its run's identity: configuration hash,
    seed, runs, months, recording, batch size), or ``None`` when there is nothing to finish."""
    if not AtomicFolder(out_dir, resumable=True).can_resume():
        return None
    try:
        run = json.loads((resumable_sibling(out_dir) / PROGRESS / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return run if isinstance(run, dict) else {}


#: What says how a folder's tables were made, beside the configuration: hashed into ``run_hash``.
RUN_KEYS = ("config_hash", "seed", "runs", "months", "start", "record", "layout", "batches", "table_sha256")


def run_hash(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of the manifest's :data:`RUN_KEYS`, so an edited seed, horizon or run count shows."""
    identity = {k: manifest.get(k) for k in RUN_KEYS}
    text = json.dumps(identity, sort_keys=True, default=_json_default, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _run_identity(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What must be the same for a writer to resume another's work."""
    keys = ("config_hash", "seed", "runs", "months", "record", "batch_size", "layout")
    return {k: manifest.get(k) for k in keys}


def _value_columns(frame: pd.DataFrame, keys: Sequence[pa.Field], *, table: str) -> list[str]:
    """The value columns of a metrics or inputs batch (those after its key columns), checked."""
    columns = [str(c) for c in frame.columns]
    names = [k.name for k in keys]
    missing = [k for k in names if k not in columns]
    if missing:
        raise ValueError(f"{table} batch lacks the key column(s) {missing}; it has {columns}")
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise ValueError(f"{table} batch has duplicate column(s) {duplicates}")
    return [c for c in columns if c not in names]


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


def _table_files(folder: Path, table: str, manifest: Mapping[str, Any]) -> list[Path]:
    """The Parquet files of ``table`` in a results folder, in batch order.

    Raises:
        FileNotFoundError: The table is missing, naming the folder and the table.
    """
    single = folder / f"{table}.parquet"
    if single.is_file():  # schema version 1: one file
        return [single]
    if not single.is_dir():
        raise FileNotFoundError(f"{folder} is not a complete results folder: {single.name} is missing")
    sums = manifest.get("table_sha256") or {}
    listed = sorted(name for name in sums if name.startswith(f"{table}.parquet/"))
    if listed:
        return [folder / name for name in listed]
    return sorted(single.glob("part-*.parquet"))


def table_dataset(folder: Path, table: str, manifest: Mapping[str, Any]) -> pads.Dataset:
    """Table ``table`` of a results folder as a pyarrow dataset (its parts, in batch order)."""
    files = _table_files(folder, table, manifest)
    try:
        return pads.dataset([str(f) for f in files], format="parquet")
    except pa.ArrowException as err:
        raise ValueError(f"{folder / (table + '.parquet')} is not a readable Parquet table: {err}") from None


def read_table(folder: Path, table: str, manifest: Mapping[str, Any]) -> pa.Table:
    """Table ``table`` of a results folder, whole, as Arrow.

    Raises:
        FileNotFoundError: The table is missing.
        ValueError: A part is not readable Parquet (one line naming it).
        OSError: A file cannot be read (one line naming it).
    """
    parts = []
    for path in _table_files(folder, table, manifest):
        try:
            parts.append(pq.read_table(path))
        except pa.ArrowException as err:
            raise ValueError(f"{path} is not a readable Parquet table: {err}") from None
        except OSError as err:
            raise explained(err, "read", path) from None
    if len(parts) == 1:
        return parts[0]
    return pa.concat_tables(parts, promote_options="default")


def load_results(path: Path | str, *, verify: bool = True) -> Results:
    """Open a results folder, checking that it is complete, of a known format and unchanged.

    Tables are read when first used (:class:`Results`).

    Args:
        path: The results folder (the one holding ``manifest.json``).
        verify: Check the manifest's ``schema_version``, that its ``config_hash`` is the hash of
            its ``config`` and that each table part matches its recorded checksum (see
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
            if resumable_sibling(folder).is_dir():
                raise ValueError(
                    f"{folder} is empty: a run is writing it, or one was stopped before it finished "
                    "(run it again with the same --out, or --resume, to finish it)"
                )
            raise ValueError(
                f"{folder} is empty: a run is writing it, or one was stopped before it finished "
                "(delete it if no run is going on)"
            )
        if (folder / COMPARISON_NAME).is_file():
            raise ValueError(
                f"{folder} is a comparison folder (one results folder per scenario): open it with "
                "ss.load(folder), or load one of its scenarios' folders"
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
    for table in tables_of(manifest):
        if not _table_files(folder, table, manifest):
            raise FileNotFoundError(
                f"{folder} is not a complete results folder: {table}.parquet has no parts"
            )
    return Results(manifest=manifest, path=folder)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tables_of(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """The tables a results folder holds, as its manifest lists them (older folders lack ``inputs``)."""
    listed = manifest.get("tables")
    if not isinstance(listed, list):
        return TABLES[:3]
    return tuple(t for t in TABLES if f"{t}.parquet" in listed)


def verify_manifest(manifest: Mapping[str, Any], folder: Path) -> None:
    """Check that a results folder is of this format and unchanged since it was written.

    Raises:
        ValueError: One line naming the file: no or another ``schema_version`` (written by another
            version of sanctionsim), a ``config_hash`` that is not the hash of ``config`` or a
            ``run_hash`` that is not the hash of the run's seed, size and tables (the manifest was
            edited), or a table whose SHA-256 differs from the one recorded (the table
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
    recorded_run = manifest.get("run_hash")  # folders written before it existed have none
    if recorded_run is not None and recorded_run != run_hash(manifest):
        keys = ", ".join(RUN_KEYS[1:])
        raise ValueError(
            f"{where}: run_hash does not match the recorded run ({keys}): the manifest was edited or "
            "damaged after the run, so it no longer says how the results were made"
        )
    sums = manifest.get("table_sha256")
    if not isinstance(sums, Mapping):
        raise ValueError(f"{where} lacks table_sha256: it was edited or damaged")
    for table in tables_of(manifest):
        single = folder / f"{table}.parquet"
        if single.is_file():
            if sums.get(single.name) != _sha256(single):
                raise ValueError(f"{single} does not match the checksum in its manifest: {CHANGED}")
            continue
        if not single.is_dir():
            raise FileNotFoundError(f"{folder} is not a complete results folder: {single.name} is missing")
        listed = {name for name in sums if name.startswith(f"{table}.parquet/")}
        present = {f"{table}.parquet/{p.name}" for p in single.iterdir()}
        for name in sorted(present - listed):
            raise ValueError(
                f"{folder / name} is not in its manifest: a file was added to the table after the run"
            )
        for name in sorted(listed):
            file = folder / name
            if not file.is_file():
                raise FileNotFoundError(f"{folder} is not a complete results folder: {name} is missing")
            if sums[name] != _sha256(file):
                raise ValueError(f"{file} does not match the checksum in its manifest: {CHANGED}")


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
    pick the same name, and one process never gets the same name twice (a suffix already given in
    the same millisecond is drawn again); the writer also claims the name before it simulates (see
    :class:`sanctionsim.atomic.AtomicFolder`), so a clash is refused at once, never after a run.
    """
    now = dt.datetime.now(dt.UTC)
    safe = prefix.replace("/", "-").replace("\\", "-").strip(".") or "run"
    stamp = f"{safe}-{now:%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}Z"
    if _GIVEN[0] != stamp:
        _GIVEN[:] = [stamp, set()]
    while (name := f"{stamp}-{secrets.token_hex(2)}") in _GIVEN[1]:
        continue
    _GIVEN[1].add(name)
    return name


#: The last time stamp :func:`new_folder_name` used, and the names it gave with it.
_GIVEN: list[Any] = ["", set()]


def _refuse_existing(out_dir: Path) -> None:
    if out_dir.exists():
        raise FileExistsError(
            f"Results folder {out_dir} already exists; results are never overwritten. "
            f"Pass another --out, or move or delete that folder."
        )


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
