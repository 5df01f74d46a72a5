"""County civil affairs on a phone record an emergency removal and place the child in the
same form; the protection page then says where the child is. Real headless Chromium, the
CSP in force."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from hehu.core.tests.browser import (  # noqa: F401
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    save_failure_screenshots,
    sign_in,
)
from hehu.protection.models import Placement, Removal
from hehu.protection.tests.factories import county_officer, make_child, make_facility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_civil_affairs_on_a_phone_record_a_removal_and_a_placement(
    browser: Browser,  # noqa: F811
    live_server,
) -> None:
    base_url = live_server.url
    officer = county_officer(username="county-phone")
    child = make_child(name="王小花")
    facility = make_facility(actor=officer, name="翠屏区未成年人救助保护中心", capacity=4)
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, officer.username)
        page.goto(f"{base_url}/children/{child.pk}/protection/")
        page.get_by_role("link", name="登记紧急带离").click()
        page.get_by_label("带离人员").fill("李明（县民政局）")
        page.get_by_label("民政部门").check()
        page.get_by_label("监护人拒绝或者怠于履行监护职责，导致未成年人处于无人照料的状态").check()
        page.get_by_label("情况说明").fill("儿童独自在家三天，无人照料。")
        page.get_by_label("同时登记安置").check()
        page.get_by_label("救助保护机构或儿童福利机构收留抚养").check()
        page.get_by_label("安置场所").select_option(str(facility.pk))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="提交紧急带离").click()
        page.wait_for_url(f"{base_url}/children/{child.pk}/protection/")

        today = page.locator("#hh-today").inner_text()
        assert "翠屏区未成年人救助保护中心" in today
        assert "临时监护" in today
        assert "紧急带离和安置已登记" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert console.csp_violations() == []
        assert console.script_errors() == []
        assert Placement.objects.get(child=child).removal == Removal.objects.get(child=child)
    except Exception:
        save_failure_screenshots(page, base_url, "placements-removal")
        raise
    finally:
        phone.close()
