"""Browser tests of the portal: Debian's Chromium driven by Playwright, an axe-core check that
fails on any violation, and screenshots of each page at phone and desktop widths.

Playwright's own browser download is never used (`playwright install` cannot work here): the
tests launch /usr/bin/chromium, which .ci/run installs from Debian when it is missing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WEB_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium keeps calling Google's hosts, refused here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"phone": (360, 780), "desktop": (1280, 900)}


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser, suite) -> Iterator[Callable]:
    """Pages in fresh browser contexts (a person's own browser each), closed after the test."""
    contexts = []

    def make(locale: str = "en-GB"):
        context = browser.new_context(
            base_url=suite.gateway, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def axe_check() -> Callable:
    """axe-core (WCAG 2.x A/AA and best practices) on the page as it is: fails on any violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where the screenshots go: WEB_SCREENSHOTS when set, else a test temp folder."""
    wanted = os.environ.get("WEB_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(screenshot_dir: Path, request) -> Callable:
    """Saves the page at 360 px and 1280 px wide, as <test>-<name>-<width>.png."""
    test = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)

    def take(page, name: str) -> None:
        before = page.viewport_size
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=screenshot_dir / f"{test}-{name}-{label}.png", full_page=True)
        page.set_viewport_size(before)

    return take


@pytest.fixture
def look(axe_check, screenshot) -> Callable:
    """What every browser test does on each page it reaches: axe check, then screenshots."""

    def at(page, name: str) -> None:
        axe_check(page)
        screenshot(page, name)

    return at


@pytest.fixture
def portal_app() -> Iterator[Callable]:
    """The portal app in-process (Flask's test client), its sessions in the machine's Redis
    under a prefix of the test's own, removed afterwards."""
    import secrets

    import redis

    from web import create_app

    try:
        redis.Redis(socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    prefix = f"test:{secrets.token_hex(4)}:"

    def make(**overrides):
        return create_app(SECRET_KEY="test", SESSION_PREFIX=prefix, **overrides)

    yield make
    store = redis.Redis(socket_connect_timeout=2)
    for key in store.scan_iter(match=prefix + "*"):
        store.delete(key)
