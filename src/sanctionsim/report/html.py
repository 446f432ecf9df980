"""Render a report as one self-contained HTML page.

The page has inline CSS and its figures as base64 ``data:`` URIs: no scripts,
no fonts, no links to fetch, so it reads the same offline. Every piece of text
goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import html

from sanctionsim.report.content import ReportContent, Table

__all__ = ["render_html"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b;
       background: #fff; line-height: 1.45; }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
p.lead { color: #444; max-width: 60rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
figure { margin: 1.2rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e7ea; }
figcaption { color: #555; font-size: 0.85rem; margin-top: 0.3rem; }
ul.headlines li { margin: 0.15rem 0; }
footer { color: #777; font-size: 0.8rem; margin-top: 3rem; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(table: Table, *, cls: str) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    body = []
    for i, row in enumerate(table.rows):
        attrs = ""
        if i < len(table.keys):
            attrs = "".join(f' data-{_e(k)}="{_e(v)}"' for k, v in table.keys[i].items())
        cells = "".join(
            f'<td class="num">{_e(v)}</td>' if j in table.numeric else f"<td>{_e(v)}</td>"
            for j, v in enumerate(row)
        )
        body.append(f"<tr{attrs}>{cells}</tr>")
    return (
        f'<div class="scroll"><table class="{_e(cls)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def render_html(content: ReportContent) -> str:
    """Return the report as an HTML document (a string)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(content.title)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(content.title)}</h1>",
        f'<p class="lead">{_e(content.intro)}</p>',
        "<h2>Runs</h2>",
        _table(content.runs, cls="runs"),
    ]
    if content.effects is not None:
        parts.append("<h2>Effects</h2>")
        for name, lines in content.headlines.items():
            parts.append(f"<h3>{_e(name)}: clearest effects</h3>")
            parts.append('<ul class="headlines">' + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>")
        parts.append("<h3>All metrics</h3>")
        parts.append(_table(content.effects, cls="effects"))
    parts.append("<h2>Figures</h2>")
    for fig in content.figures:
        data = base64.b64encode(fig.png).decode("ascii")
        parts.append(
            f'<figure id="fig-{_e(fig.name)}"><h3>{_e(fig.title)}</h3>'
            f'<img src="data:image/png;base64,{data}" alt="{_e(fig.title)}">'
            f"<figcaption>{_e(fig.caption)}</figcaption></figure>"
        )
    parts.append("<h2>Storylines</h2>")
    parts.append(
        '<p class="lead">Events of each run: the share of replicates in which each fired, and the '
        "median calendar month of its first firing among them.</p>"
    )
    for name, table in content.storylines.items():
        parts.append(f"<h3>{_e(name)}</h3>")
        parts.append(_table(table, cls="storylines"))
    parts.append(f"<footer>{_e(content.footer)}</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
