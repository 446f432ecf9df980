"""Reports: a comparison or a run as one HTML page (figures embedded) or a Markdown file.

Example:
    >>> from sanctionsim.report import build_report
    >>> build_report(["results/compare-20240101T000000Z"], out="report.html")  # doctest: +SKIP
"""

from sanctionsim.report.build import build_report
from sanctionsim.report.storylines import storylines

__all__ = ["build_report", "storylines"]
