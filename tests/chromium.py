"""Headless Chromium for the browser tests: Debian's ``chromium`` with its ``chromedriver``, no download.

``CHROMIUM`` and ``CHROMEDRIVER`` (environment) override the paths looked for, as in
``scripts/browser.sh``. Without them, or without selenium, a browser test skips itself with the
reason: ``make test`` installs Chromium only where it can without upgrading anything (see
``scripts/browser.sh``), and a machine where it cannot is not a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def skip_without_browser(*modules: str) -> None:
    """Skip the calling test, with the reason, when selenium, ``modules`` or the browser are missing."""
    for module in ("selenium", *modules):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[dev,dashboard]')")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.skip(
                f"no headless browser: {path} is missing "
                "(run `make browser`: Debian chromium + chromium-driver, installed only without upgrades)"
            )


@contextmanager
def chromium(
    profile: Path, *, width: int, height: int, timeout: float = 60, log_network: bool = False
) -> Iterator[Any]:
    """A headless Chromium driven by selenium; skips the test when there is none.

    Args:
        profile: A fresh folder for the browser profile (deleted afterwards).
        width: Window width in pixels.
        height: Window height in pixels.
        timeout: Longest page load or script, in seconds (a hang guard).
        log_network: Keep Chrome's performance log, which lists every request the page made.

    Yields:
        The selenium driver.
    """
    skip_without_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if log_network:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(timeout)
    driver.set_script_timeout(timeout)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
