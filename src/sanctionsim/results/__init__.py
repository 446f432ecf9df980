"""Results of a run: the :class:`Results` tables and the results folder on disk.

See :mod:`sanctionsim.results.store` and docs/architecture.md ("Results").
"""

from sanctionsim.results.store import (
    Results,
    ResultsWriter,
    actors_of,
    build_manifest,
    load_results,
    write_results,
)

__all__ = ["Results", "ResultsWriter", "actors_of", "build_manifest", "load_results", "write_results"]
