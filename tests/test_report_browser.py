"""The HTML report in headless Chromium: every image loads, and it shows what ``compare --json`` printed.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser``) and
selenium (the ``dev`` extra). Without them the test is skipped with the reason (tests/chromium.py):
``make test`` installs Chromium only where nothing else on the machine would change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sanctionsim.cli.app import app
from tests.chromium import chromium

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium (tests/chromium.py)."""
    with chromium(tmp_path_factory.mktemp("chromium-profile"), width=1300, height=2000) as driver:
        yield driver


def test_html_report_in_headless_chromium(browser: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "cmp"
    args = ["compare", str(BASELINE), str(DATA / "shell_crisis.yaml"), str(DATA / "enforce_x4.yaml")]
    args += ["--runs", "12", "--months", "18", "--seed", "5", "--out", str(folder), "--json"]
    args += ["--metrics", "shells_prk_to_rus,workers_prk_in_rus,leakage_ratio,tie_rus_prk,energy"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    printed = json.loads(done.stdout)
    report = tmp_path / "report.html"
    made = runner.invoke(app, ["report", str(folder), "-o", str(report)])
    assert made.exit_code == 0, made.output

    browser.get(report.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight]);"
    )
    assert len(images) == 3
    assert all(complete and width > 0 and height > 0 for complete, width, height in images), images
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith('data:'));"
    )
    assert fetched == [], f"the report fetched {fetched}"

    text = browser.execute_script("return document.body.innerText;")
    assert f"{printed['runs']}" in text and "shell_crisis_response" in text
    assert len(printed["effects"]) == 2 * 5
    for effect in printed["effects"]:
        row = browser.execute_script(
            "const q = `tr[data-scenario='${arguments[0]}'][data-metric='${arguments[1]}']`;"
            "return document.querySelector(q)?.innerText ?? '';",
            effect["scenario"],
            effect["metric"],
        )
        for key, value in effect["formatted"].items():
            assert value in row, f"{effect['scenario']}/{effect['metric']}: {key} {value!r} not in {row!r}"
            assert value in text

    browser.set_window_size(
        1300, min(16000, int(browser.execute_script("return document.body.scrollHeight")))
    )
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
