"""The screenshot script the README is made with, run as its users run it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hehu.accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "hehu.web.screenshot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_signs_in_and_captures_the_page(live_server, village_director, tmp_path):
    out = tmp_path / "home.png"

    done = screenshot(
        f"{live_server.url}/",
        str(out),
        "--username",
        village_director.username,
        "--password",
        DEFAULT_PASSWORD,
        "--width",
        "360",
        "--height",
        "740",
    )

    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert out.stat().st_size > 10_000


def test_it_says_when_the_sign_in_fails(live_server, village_director, tmp_path):
    out = tmp_path / "home.png"

    done = screenshot(
        f"{live_server.url}/", str(out), "--username", village_director.username, "--password", "x"
    )

    assert done.returncode != 0
    assert "sign-in failed" in done.stderr
    assert not out.exists()
