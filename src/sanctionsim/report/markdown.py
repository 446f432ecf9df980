"""Render a report as Markdown, its figures as PNG files in a folder beside it.

Figures are referenced by relative paths (``<stem>_files/<name>.png``), so the
Markdown file and its folder can be moved together and read offline.
"""

from __future__ import annotations

from sanctionsim.report.content import ReportContent, Table

__all__ = ["render_markdown"]


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> str:
    head = "| " + " | ".join(_cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---:" if j in table.numeric else "---" for j in range(len(table.columns))) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join([head, rule, *rows])


def render_markdown(content: ReportContent, *, files_dir: str) -> str:
    """Return the report as Markdown.

    Args:
        content: What the report shows.
        files_dir: Folder name, relative to the Markdown file, that holds the
            figures as ``<name>.png``.
    """
    parts = [f"# {content.title}", "", content.intro, "", "## Runs", "", _table(content.runs), ""]
    if content.effects is not None:
        parts += ["## Effects", ""]
        for name, lines in content.headlines.items():
            parts += [f"### {name}: clearest effects", "", *(f"- {x}" for x in lines), ""]
        parts += ["### All metrics", "", _table(content.effects), ""]
    parts += ["## Figures", ""]
    for fig in content.figures:
        parts += [
            f"### {fig.title}",
            "",
            f"![{fig.title}]({files_dir}/{fig.name}.png)",
            "",
            f"*{fig.caption}*",
            "",
        ]
    parts += [
        "## Storylines",
        "",
        "Events of each run: the share of replicates in which each fired, and the median calendar "
        "month of its first firing among them.",
        "",
    ]
    for name, table in content.storylines.items():
        parts += [f"### {name}", "", _table(table), ""]
    parts += ["---", "", content.footer, ""]
    return "\n".join(parts)
