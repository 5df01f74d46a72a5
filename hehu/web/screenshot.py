"""Take a screenshot of a Hehu page as a signed-in user, in headless Chromium.

    python -m hehu.web.screenshot http://127.0.0.1:8000/children/ docs/screenshot.png \\
        --username director --password '…' [--width 1280 --height 800] [--lang zh-hans]

Signs in through the ordinary sign-in page of the same server, switches the language if
asked, opens the URL and saves a PNG. Credentials may also come from HEHU_SCREENSHOT_USERNAME
and HEHU_SCREENSHOT_PASSWORD. Uses Debian's chromium (HEHU_CHROMIUM to point elsewhere).
"""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the page to capture, e.g. http://127.0.0.1:8000/")
    parser.add_argument("out", help="where to write the PNG")
    parser.add_argument("--username", default=os.environ.get("HEHU_SCREENSHOT_USERNAME", ""))
    parser.add_argument("--password", default=os.environ.get("HEHU_SCREENSHOT_PASSWORD", ""))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans")
    parser.add_argument("--full-page", action="store_true", help="capture the whole page")
    parser.add_argument("--chromium", default=os.environ.get("HEHU_CHROMIUM", "/usr/bin/chromium"))
    return parser.parse_args(argv)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def capture(args: argparse.Namespace) -> None:
    origin = origin_of(args.url)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": args.width, "height": args.height}, locale="zh-CN"
            )
            page = context.new_page()
            if args.username:
                page.goto(f"{origin}/login/")
                page.fill("#id_username", args.username)
                page.fill("#id_password", args.password)
                page.click("main form button[type=submit]")
                page.wait_for_load_state()
                if "/login/" in page.url:
                    raise SystemExit("sign-in failed: check the username and password")
            page.goto(args.url)
            if args.lang != "zh-hans":
                page.click(f"form.hh-lang button[value={args.lang}]")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=args.out, full_page=args.full_page)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    capture(args)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
