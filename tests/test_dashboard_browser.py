"""The served dashboard in headless Chromium: it renders, steps, pins, takes a lever, saves, stays offline.

Starts ``sanctionsim dashboard`` as a subprocess on a free port of 127.0.0.1 and drives Debian's
``chromium`` with its ``chromedriver`` through selenium (no browser download). Skipped without
them (tests/chromium.py says why).
The screenshot is written to the test's temporary folder (``dashboard.png``).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from sanctionsim.dashboard.offline import BLOCKED
from tests.chromium import chromium, skip_without_browser

ROOT = Path(__file__).resolve().parents[1]
#: Longest wait for the server to print its address or the page to change (a hang guard, not a
#: speed requirement).
WAIT_S = 90
RUNS = 20
COMMAND = (sys.executable, "-m", "sanctionsim.cli", "dashboard", "baseline", "--port", "0")
METRIC = "munitions_sufficiency_rus"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """``sanctionsim dashboard baseline`` on a free port: yields (address, save folder, stderr file)."""
    skip_without_browser("solara", "solara_assets")
    saves = tmp_path / "saved"
    saves.mkdir()
    errors = tmp_path / "server.err"
    with errors.open("w") as err:
        proc = subprocess.Popen(
            [*COMMAND, "--runs", str(RUNS), "--save-dir", str(saves)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        try:
            lines: queue.Queue[str] = queue.Queue()
            assert proc.stdout is not None
            threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
            try:
                line = lines.get(timeout=WAIT_S)
            except queue.Empty:
                pytest.fail(f"the dashboard printed no address; stderr: {errors.read_text()}")
            address = line.split(": ", 1)[1].split()[0]
            assert urlsplit(address).hostname == "127.0.0.1", line
            yield address, saves, errors
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium (tests/chromium.py), logging every network request."""
    with chromium(
        tmp_path / "chromium-profile", width=1600, height=2200, timeout=WAIT_S, log_network=True
    ) as driver:
        yield driver


def _text(driver: Any) -> str:
    return str(driver.execute_script("return document.body.textContent;"))


def _wait_for_text(driver: Any, *needles: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_S, poll_frequency=0.2).until(lambda d: all(n in _text(d) for n in needles))


def _click(driver: Any, label: str) -> None:
    button = driver.find_element("xpath", f"//button[normalize-space(.)='{label}']")
    assert button.is_enabled(), f"button {label!r} is disabled"
    button.click()


def _cell(driver: Any, metric: str, col: str) -> float:
    value = driver.execute_script(
        "const q = `tr[data-metric='${arguments[0]}'] td[data-col='${arguments[1]}']`;"
        "const c = document.querySelector(q);"
        "return c ? c.dataset.value : null;",
        metric,
        col,
    )
    assert value is not None, f"no {col} cell for {metric}"
    return float(value)


def _figure_digest(driver: Any) -> str:
    """SHA-256 of the metrics figure's PNG as the page holds it (it is a blob URL)."""
    return str(
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const img = document.querySelector('img.ss-figure-metrics');"
            "if (!img || !img.complete || img.naturalWidth === 0) { done(''); return; }"
            "fetch(img.src).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))"
            ".then(h => done(Array.from(new Uint8Array(h)).map(x => x.toString(16)).join('')));"
        )
    )


def _requests(driver: Any) -> list[str]:
    """URLs of every request and websocket the page opened, from Chrome's performance log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def test_dashboard_in_headless_chromium(server: tuple[str, Path, Path], browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    address, saves, errors = server
    browser.get("about:blank")
    browser.get_log("performance")  # drop the start page's entries
    browser.get(address)

    # it renders: the header, the sliders from the scenario, and no month yet
    _wait_for_text(browser, "Baseline, June 2024 knowledge", "Nothing simulated yet", "War intensity")
    assert _figure_digest(browser)  # the metrics figure is there and loaded

    # one month of the scenario as it is, then pin it
    _click(browser, "Step")
    _wait_for_text(browser, "Simulated 1 of 36 months")
    before = _cell(browser, METRIC, "median")
    figure_before = _figure_digest(browser)
    _click(browser, "Pin current configuration")
    _wait_for_text(browser, "share the seed and replicates")

    # move a lever: war intensity to the top of its range, with the keyboard as a person could
    slider = browser.find_element(
        "xpath",
        "//div[contains(@class,'v-input')][.//label[normalize-space(.)='War intensity']]//*[@role='slider']",
    )
    slider.send_keys(Keys.END)
    assert float(slider.get_attribute("aria-valuenow")) == 2.0
    _click(browser, "Reset")
    _wait_for_text(browser, "Nothing simulated yet")
    lever = "tr[data-lever='war_intensity'] td[data-col='current']"
    assert browser.execute_script("return document.querySelector(arguments[0]).textContent", lever) == "2"

    # one month again: the plotted value moved; the pinned run, same seed and replicates, did not
    _click(browser, "Step")
    _wait_for_text(browser, "Simulated 1 of 36 months")
    after = _cell(browser, METRIC, "median")
    assert after < before, f"doubling war demand should cut {METRIC}: {before} -> {after}"
    assert _cell(browser, METRIC, "pinned_median") == before  # common random numbers: the same run
    assert _figure_digest(browser) != figure_before

    # save the configuration as a scenario file
    _click(browser, "Save as scenario")
    _wait_for_text(browser, "Saved ")
    saved = saves / "baseline-dashboard.yaml"
    data = yaml.safe_load(saved.read_text())
    assert data["war"] == {"intensity": 2.0}
    assert (data["runs"], data["seed"]) == (RUNS, 42)

    # a few more months, for the screenshot
    for month in range(2, 9):
        _click(browser, "Step")
        _wait_for_text(browser, f"Simulated {month} of 36 months")
    _wait_for_text(browser, "tanker_deliveries")

    # nothing left 127.0.0.1: every http(s) and websocket request of the page stayed on it, and the
    # server refused no outside connection
    urls = _requests(browser)
    remote = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    assert any("/_solara/cdn/" in u for u in remote) and any(u.startswith("ws://") for u in remote)
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in remote), [
        u for u in remote if urlsplit(u).hostname != "127.0.0.1"
    ]
    assert {urlsplit(u).scheme for u in urls} <= {"http", "ws", "data", "blob"}, sorted(set(urls))
    assert BLOCKED not in errors.read_text()

    shot = tmp_path / "dashboard.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 50_000
