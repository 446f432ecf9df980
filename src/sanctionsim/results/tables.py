"""The tables of a results folder as Arrow: their schemas, what is recorded, and Parquet bytes.

A batch of replicates becomes four Arrow tables built from plain arrays (no pandas, no per-row
Python): ``metrics`` (one row per replicate and month, one float64 column per metric), ``flows``
(one row per shipment: replicate, month, pair, good, route), ``events`` and ``inputs`` (one row per
replicate: its design point, random stream and the parameters that vary). Text columns are
dictionary-encoded (each distinct actor, good, route or event name stored once). Each table of a
batch is written to Parquet bytes where the batch ran (a worker process, a Dask worker), so the
process that writes the folder only writes bytes.

What is recorded is a choice (:data:`RECORD_MODES`):

- ``full``: metrics, events and every flow, quantities and values in float64.
- ``flows``: the same rows, with the flows' quantities and values in float32 (about 7 significant
  digits: plenty for shares and plots, half the disk).
- ``metrics``: metrics and events only; the flows table is empty.

The metrics table is float64 in every mode: claims, comparisons (paired differences of common
random numbers) and the golden pins read it, and its values must not depend on the mode (a test
checks that ``--record metrics`` gives the ``full`` metrics table). :func:`default_record` keeps
small ensembles complete and large ones small: ``full`` up to :data:`FULL_RECORD_RUNS` runs,
``metrics`` above.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "EVENTS_SCHEMA",
    "FLOWS_SCHEMA",
    "FULL_RECORD_RUNS",
    "INPUT_FIELDS",
    "KEY_FIELDS",
    "RECORD_MODES",
    "TEXT",
    "default_record",
    "events_table",
    "flows_schema",
    "flows_table",
    "frame_to_table",
    "inputs_schema",
    "metrics_schema",
    "metrics_table",
    "parquet_bytes",
    "read_parquet_bytes",
    "to_pandas",
]

#: What a run may record (see the module docstring).
RECORD_MODES: tuple[str, ...] = ("full", "flows", "metrics")
#: Runs up to which the default records everything (``full``); above it, ``metrics``.
FULL_RECORD_RUNS = 1_000

#: Dictionary-encoded text: small integer codes into a list of distinct strings.
TEXT = pa.dictionary(pa.int32(), pa.string())

#: Columns that start every table: replicate, month (0 = start month), first day of the month.
KEY_FIELDS: tuple[pa.Field, ...] = (
    pa.field("replicate", pa.int32(), nullable=False),
    pa.field("month", pa.int32(), nullable=False),
    pa.field("date", pa.timestamp("ns"), nullable=False),
)
FLOW_TEXT = ("src", "dst", "good", "route")
FLOW_VALUES = ("shipped", "delivered", "interdicted", "value")
EVENT_TEXT = ("event", "kind", "detail")


def flows_schema(record: str = "full") -> pa.Schema:
    """Schema of the flows table: quantities in good units and value in USD, float64 (``full``) or
    float32 (``flows``)."""
    number = pa.float32() if record == "flows" else pa.float64()
    return pa.schema(
        [*KEY_FIELDS, *(pa.field(c, TEXT) for c in FLOW_TEXT), *(pa.field(c, number) for c in FLOW_VALUES)]
    )


#: Schema of the flows table as ``full`` records it.
FLOWS_SCHEMA = flows_schema("full")
#: Schema of the events table; ``kind`` is ``scheduled`` or ``conditional``.
EVENTS_SCHEMA = pa.schema([*KEY_FIELDS, *(pa.field(c, TEXT) for c in EVENT_TEXT)])


def metrics_schema(names: Sequence[str]) -> pa.Schema:
    """Schema of the metrics table: the key columns, then one float64 column per metric."""
    return pa.schema([*KEY_FIELDS, *(pa.field(str(n), pa.float64()) for n in names)])


#: Columns that start the inputs table; one float64 column per varying parameter follows, named by
#: its canonical path (``war.fire_rate``).
INPUT_FIELDS: tuple[pa.Field, ...] = (
    pa.field("replicate", pa.int32(), nullable=False),
    pa.field("point", pa.int32(), nullable=False),
    pa.field("stream", pa.int64(), nullable=False),
)


def inputs_schema(names: Sequence[str]) -> pa.Schema:
    """Schema of the inputs table: the key columns, then one float64 column per parameter path."""
    return pa.schema([*INPUT_FIELDS, *(pa.field(str(n), pa.float64()) for n in names)])


def default_record(runs: int) -> str:
    """What a run of ``runs`` replicates records by default: ``full`` up to :data:`FULL_RECORD_RUNS`."""
    return "full" if runs <= FULL_RECORD_RUNS else "metrics"


def check_record(record: str) -> str:
    """Return ``record`` if it is a recording mode.

    Raises:
        ValueError: Naming the modes.
    """
    if record not in RECORD_MODES:
        raise ValueError(f"--record: got {record!r}; expected one of {', '.join(RECORD_MODES)}")
    return record


def _dates(start: str, months: np.ndarray) -> pa.Array:
    """First day of each month index, as timestamp[ns]."""
    period = pd.Period(start, freq="M")
    first = np.array(
        [(period + t).to_timestamp().to_datetime64() for t in range(int(months.max(initial=-1)) + 1)],
        dtype="datetime64[ns]",
    )
    return pa.array(first[months] if len(months) else np.zeros(0, "datetime64[ns]"), pa.timestamp("ns"))


def _keys(replicate: np.ndarray, month: np.ndarray, start: str) -> list[pa.Array]:
    return [
        pa.array(np.asarray(replicate, dtype=np.int32), pa.int32()),
        pa.array(np.asarray(month, dtype=np.int32), pa.int32()),
        _dates(start, np.asarray(month, dtype=np.int64)),
    ]


def _text(codes: np.ndarray, labels: Sequence[str]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, dtype=np.int32), pa.int32()), pa.array(list(labels), pa.string())
    )


def metrics_table(
    *, values: np.ndarray, replicates: np.ndarray, names: Sequence[str], start: str
) -> pa.Table:
    """The metrics of a batch: ``values`` (R, T, M), rows replicate by replicate, month by month."""
    r, t, m = values.shape
    columns = np.ascontiguousarray(np.moveaxis(values, 2, 0)).reshape(m, r * t)
    replicate = np.repeat(np.asarray(replicates, dtype=np.int32), t)
    month = np.tile(np.arange(t, dtype=np.int32), r)
    arrays = [*_keys(replicate, month, start), *(pa.array(columns[k], pa.float64()) for k in range(m))]
    return pa.Table.from_arrays(arrays, schema=metrics_schema(names))


def flows_table(
    *,
    replicate: np.ndarray,
    month: np.ndarray,
    labels: Mapping[str, tuple[np.ndarray, Sequence[str]]],
    values: np.ndarray,
    start: str,
    record: str = "full",
) -> pa.Table:
    """The flows of a batch, in the order given (sort them first).

    Args:
        replicate: Replicate of each row.
        month: Month of each row.
        labels: For ``src``, ``dst``, ``good`` and ``route``: each row's code into the labels.
        values: (rows, 4): shipped, delivered, interdicted, value.
        start: The run's first month.
        record: ``full`` (float64) or ``flows`` (float32).
    """
    schema = flows_schema(record)
    number = schema.field("value").type
    arrays = [
        *_keys(replicate, month, start),
        *(_text(*labels[c]) for c in FLOW_TEXT),
        *(pa.array(values[:, k], pa.float64()).cast(number) for k in range(len(FLOW_VALUES))),
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def events_table(
    *,
    replicate: np.ndarray,
    month: np.ndarray,
    labels: Mapping[str, tuple[np.ndarray, Sequence[str]]],
    start: str,
) -> pa.Table:
    """The events of a batch: replicate, month, and codes into the labels of event, kind, detail."""
    arrays = [*_keys(replicate, month, start), *(_text(*labels[c]) for c in EVENT_TEXT)]
    return pa.Table.from_arrays(arrays, schema=EVENTS_SCHEMA)


def frame_to_table(frame: pd.DataFrame, schema: pa.Schema, *, table: str) -> pa.Table:
    """A pandas table (strings as objects or categories) as an Arrow table of ``schema``.

    Raises:
        ValueError: When the columns or values do not fit the schema, naming the table.
    """
    columns = [str(c) for c in frame.columns]
    missing = [n for n in schema.names if n not in columns]
    extra = [c for c in columns if c not in schema.names]
    if missing or extra:
        raise ValueError(
            f"{table} batch does not match the {table} schema: missing columns {missing}, "
            f"unexpected columns {extra}"
        )
    plain = pa.schema([pa.field(f.name, pa.string()) if f.type == TEXT else f for f in schema])
    try:
        arrow = pa.Table.from_pandas(frame[list(schema.names)], schema=plain, preserve_index=False, safe=True)
        arrow = arrow.cast(schema)
    except (pa.ArrowException, ValueError, TypeError) as err:
        raise ValueError(f"{table} batch does not fit the {table} schema: {err}") from err
    return arrow.replace_schema_metadata(None)


def parquet_bytes(table: pa.Table) -> bytes:
    """One Parquet file of ``table``: zstd, dictionary encoding for the text columns, byte-stream
    split for the numbers (their bytes regrouped so that zstd finds the repeats: 10% smaller and
    three times faster to write than dictionary encoding of floats)."""
    sink = pa.BufferOutputStream()
    text = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
    pq.write_table(
        table,
        sink,
        compression="zstd",
        use_dictionary=text or False,
        use_byte_stream_split=floats or False,
        row_group_size=1 << 22,
    )
    return bytes(sink.getvalue())


def read_parquet_bytes(data: bytes) -> pa.Table:
    """The table in Parquet bytes."""
    return pq.read_table(io.BytesIO(data))


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """A table as pandas, with text as plain strings (``object``), as the tables always were."""
    plain = pa.schema(
        [
            pa.field(f.name, pa.string(), f.nullable) if pa.types.is_dictionary(f.type) else f
            for f in table.schema
        ]
    )
    return table.cast(plain).to_pandas()
