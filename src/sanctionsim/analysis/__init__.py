"""Analysis of results: summaries now; claims and comparisons build on them."""

from sanctionsim.analysis.summary import outcome, summarize

__all__ = ["outcome", "summarize"]
