"""A county officer generates the month's roll on the payment desk and submits it; a second
county officer approves it (the maker may not); a village director opens a child's
benefits on a 360 px phone and sees this month's amount with its reason. Real headless
Chromium against the live server, with the Content-Security-Policy in force."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, ViewportSize

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import PaymentCycle
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory
from hehu.core.tests.browser import (  # noqa: F401
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    open_menu,
    save_failure_screenshots,
    sign_in,
)
from hehu.registry.tests.factories import ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = ViewportSize(width=1280, height=800)
ON_A_PHONE = ViewportSize(width=PHONE["width"], height=PHONE["height"])
ACCOUNT = "6217000012345678901"


def _officer(username: str) -> object:
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS, "511502", department=Department.CIVIL_AFFAIRS, username=username
    )


def test_a_roll_is_generated_and_submitted_by_one_officer_and_approved_by_another(
    browser: Browser,  # noqa: F811
    live_server,
) -> None:
    base_url = live_server.url
    _officer("maker")
    _officer("checker")
    child = ChildFactory(name="王小禾")
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child, number=ACCOUNT)

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = desk.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, "maker")
        page.get_by_role("link", name="待遇发放").click()
        page.wait_for_url(f"{base_url}/benefits/")
        page.get_by_role("button", name="生成名册").click()
        page.wait_for_url(f"{base_url}/benefits/cycles/*/")
        assert page.locator("#hh-children").inner_text() == "1"
        assert "1651.00" in page.locator("#hh-total").inner_text()
        assert "王小禾" in page.locator("#hh-line-list").inner_text()
        assert ACCOUNT not in page.content()
        page.get_by_role("button", name="核对无误，提交审批").click()
        page.locator("#hh-status", has_text="已复核待审批").wait_for()
        assert "您不能审批" in page.locator("#hh-own-roll").inner_text()
        assert page.get_by_role("button", name="审批通过").count() == 0
        cycle_url = page.url
        assert console.csp_violations() == []
        assert console.script_errors() == []
    except Exception:
        save_failure_screenshots(page, base_url, "benefits-maker")
        raise
    finally:
        desk.close()

    other = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = other.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, "checker")
        page.goto(cycle_url)
        page.get_by_role("button", name="审批通过").click()
        page.locator("#hh-status", has_text="已审批").wait_for()
        assert "名册已审批" in page.content()
        assert console.csp_violations() == []
        assert console.script_errors() == []
    except Exception:
        save_failure_screenshots(page, base_url, "benefits-checker")
        raise
    finally:
        other.close()
    cycle = PaymentCycle.objects.get()
    assert cycle.status == PaymentCycle.Status.APPROVED
    assert cycle.generated_by.username == "maker"
    assert cycle.approved_by.username == "checker"


def test_a_village_director_sees_a_childs_monthly_amount_and_why_on_a_phone(
    browser: Browser,  # noqa: F811
    live_server,
) -> None:
    base_url = live_server.url
    make_user(Role.VILLAGE_DIRECTOR, "511502001001", username="director-phone")
    child = ChildFactory(name="李小云")
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child, number=ACCOUNT)

    phone = browser.new_context(viewport=ON_A_PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, "director-phone")
        page.goto(f"{base_url}/children/{child.pk}/")
        page.get_by_role("link", name="待遇发放（资格、账户、发放记录）").click()
        page.wait_for_url(f"{base_url}/children/{child.pk}/benefits/")

        month = page.locator("#hh-this-month")
        assert "1651.00" in page.locator("#hh-month-total").inner_text()
        assert "事实无人抚养儿童基本生活补贴" in month.inner_text()
        assert month.locator("ul.small li").count() >= 1
        assert "**** **** **** 8901" in page.locator("#hh-account").inner_text()
        assert ACCOUNT not in page.content()
        assert page.get_by_role("link", name="确认待遇资格").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert console.csp_violations() == []
        assert console.script_errors() == []
    except Exception:
        save_failure_screenshots(page, base_url, "benefits-director")
        raise
    finally:
        phone.close()
