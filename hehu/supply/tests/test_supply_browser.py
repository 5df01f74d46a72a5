"""On a 360 px phone: county civil affairs receive stock on the stock page (htmx swaps the
item in place), then a village director hands the item to a child against the child's
approved plan. Real headless Chromium, the CSP in force."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from hehu.core.tests.browser import (  # noqa: F401
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    open_menu,
    save_failure_screenshots,
    sign_in,
)
from hehu.supply.models import Distribution
from hehu.supply.tests.factories import (
    approved_plan,
    county_officer,
    director,
    in_kind,
    make_child,
    make_item,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_stock_received_by_the_county_is_handed_out_in_the_village(
    browser: Browser,  # noqa: F811
    live_server,
) -> None:
    base_url = live_server.url
    officer = county_officer(username="county-phone")
    village_director = director(username="director-phone")
    child = make_child(name="王小花")
    approved_plan(
        child,
        in_kind("nutrition", quantity="2", frequency="monthly", starts_on=timezone.localdate()),
    )
    item = make_item(actor=officer, name="营养包", unit="盒")

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, officer.username)
        open_menu(page)
        page.get_by_role("link", name="物资").click()
        page.wait_for_url(f"{base_url}/supply/")
        row = page.locator(f"#item-{item.pk}")
        assert "无库存" in row.inner_text()
        row.get_by_text("登记入库").click()
        row.get_by_label("入库数量").fill("30")
        row.get_by_label("来源").fill("县慈善会捐赠（2026 冬季）")
        _fits(page)
        row.get_by_role("button", name="入库“营养包”").click()
        page.locator(f"#item-{item.pk} [role=status]").wait_for()
        row = page.locator(f"#item-{item.pk}")
        assert "已入库 30 盒，现有库存 30 盒" in row.inner_text()
        assert "库存 30 盒" in row.inner_text()
        assert page.url == f"{base_url}/supply/"  # swapped in place, no reload
        _fits(page)
        assert console.csp_violations() == []
        assert console.script_errors() == []
    except Exception:
        save_failure_screenshots(page, base_url, "supply-receive")
        raise
    finally:
        phone.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, village_director.username)
        page.goto(f"{base_url}/children/{child.pk}/supply/")
        assert "还差 2 盒" in page.locator("#hh-promises").inner_text()
        page.get_by_role("link", name="登记发放").first.click()
        page.get_by_label("物资").select_option(str(item.pk))
        page.get_by_label("发放数量").fill("2")
        page.get_by_label("营养品（每月 2 盒，服务计划第 1 号）").check()
        page.get_by_label("签收人").fill("王桂兰（祖母）")
        _fits(page)
        page.get_by_role("button", name="确认发放").click()
        page.wait_for_url(f"{base_url}/children/{child.pk}/supply/")
        assert "已登记：营养包 2 盒，由 王桂兰（祖母） 签收" in page.content()
        assert "已送到" in page.locator("#hh-promises").inner_text()
        _fits(page)
        assert console.csp_violations() == []
        assert console.script_errors() == []
        given = Distribution.objects.get()
        assert (given.child, given.quantity, given.by) == (child, 2, village_director)
        item.refresh_from_db()
        assert item.stock == 28
    except Exception:
        save_failure_screenshots(page, base_url, "supply-distribute")
        raise
    finally:
        phone.close()
