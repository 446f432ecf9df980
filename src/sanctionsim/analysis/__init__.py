"""Analysis of results: summaries, claims and paired effects, computed from results; nothing runs here."""

from sanctionsim.analysis.summary import outcome, summarize

__all__ = ["outcome", "summarize"]
