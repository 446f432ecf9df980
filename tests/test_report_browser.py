"""The HTML report in headless Chromium: every image loads, and it shows what ``compare --json`` printed.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser``) and
selenium (the ``dev`` extra). Without them the test is skipped, except under
``CI=true``, where ``make test`` installs them and a missing browser is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sanctionsim.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DATA = ROOT / "tests" / "data"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1300,2000",
)


def _missing() -> str | None:
    """Why the browser test cannot run here, or ``None``."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (path.is_file() and os.access(path, os.X_OK)):
            return f"{path} is missing (run `make browser`: Debian chromium + chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium driven by selenium, with the Debian chromedriver (no downloads)."""
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser test cannot run under CI: {reason}")
        pytest.skip(f"no headless browser: {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROME_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path_factory.getbasetemp() / "chromium-profile0", ignore_errors=True)


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
