"""Shared pieces of the browser tests: Debian's Chromium driven by Playwright.

Test modules import the fixtures they use (`browser`, and the autouse
`_orm_beside_playwright`) with the helpers, e.g.
`from hehu.core.tests.browser import PHONE, Console, browser, sign_in, _orm_beside_playwright`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from hehu.accounts.tests.factories import DEFAULT_PASSWORD

CHROMIUM = os.environ.get("HEHU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop in this thread; the ORM calls the test
    makes itself (fixtures, assertions, the database flush after it) are still plain
    synchronous calls and safe. Module scope: set before and unset after all of them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Console:
    """Everything the page said on the console, and any script error."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    def _message(self, message: ConsoleMessage) -> None:
        self.messages.append(f"{message.type}: {message.text}")

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Refused to" in m]

    def script_errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith("pageerror")]


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def open_menu(page: Page) -> None:
    """On a phone the navigation folds behind the menu button (Bootstrap collapse)."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#hh-nav.show").wait_for()


def save_failure_screenshots(page: Page, base_url: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-last-page.png"), full_page=True)
    page.goto(f"{base_url}/children/")
    page.screenshot(path=str(ARTIFACTS / f"{name}-child-list.png"), full_page=True)
