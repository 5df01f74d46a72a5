"""In Chromium: a city analyst opens 资金报表 from the menu, sees the chart drawn beside its
table, and drills down from the city to a county."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from hehu.benefits.tests.reports_factories import analyst, march_rolls
from hehu.core.tests.browser import (  # noqa: F401 (fixtures)
    Console,
    _orm_beside_playwright,
    browser,
    open_menu,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_city_analyst_reads_the_statement_and_drills_down(
    browser: Browser,  # noqa: F811
    live_server,
) -> None:
    march_rolls()
    me = analyst(username="city-analyst")
    desk = browser.new_context(locale="zh-CN")
    page = desk.new_page()
    console = Console(page)
    try:
        sign_in(page, live_server.url, me.username)
        open_menu(page)
        page.get_by_role("link", name="资金报表").click()
        page.wait_for_url("**/benefits/reports/statement/")
        page.get_by_label("发放月份").fill("2026-03")
        page.get_by_role("button", name="显示").first.click()
        page.wait_for_url("**month=2026-03*")
        assert page.locator("#hh-due").inner_text() == "11755.00 元"
        page.locator("#hh-statement-chart canvas").wait_for()
        assert page.locator("#hh-programme-table tbody tr").count() == 3
        page.locator("#hh-region-table").get_by_role("link", name="翠屏区").click()
        page.wait_for_url("**region=511502*")
        assert page.locator("#hh-due").inner_text() == "10355.00 元"
        assert "宜宾市" in page.locator("nav .breadcrumb").inner_text()
        assert console.csp_violations() == []
        assert console.script_errors() == []
    finally:
        desk.close()
