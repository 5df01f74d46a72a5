"""A village director on a phone registers a child and finds it; a director elsewhere
cannot open it. Real headless Chromium (Debian's) driven by Playwright, against the live
server, with the Content-Security-Policy in force."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page

from hehu.core.tests.browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    open_menu,
    save_failure_screenshots,
    sign_in,
)
from hehu.registry.models import Child, ParentCondition
from hehu.registry.tests.factories import make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def register_on_a_phone(page: Page, base_url: str, id_number: str) -> str:
    """The director registers a child whose mother is in prison; returns the file's URL."""
    open_menu(page)
    page.locator("#hh-nav").get_by_role("link", name="登记儿童").click()
    page.wait_for_url(f"{base_url}/children/new/")

    page.get_by_label("姓名", exact=False).first.fill("李小芳")
    page.get_by_label("女", exact=True).check()
    page.locator("#id_birth_date").fill("2015-03-02")
    # A typing slip in the last character first: the check character catches it.
    page.locator("#id_id_number").fill(id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))
    page.get_by_label("农业户口", exact=True).check()
    page.locator("#id_living_arrangement").select_option("with_relatives")
    page.locator("#id_education").select_option("primary")
    page.locator("#id_mother-name").fill("张梅")
    page.locator("#id_mother-vital_status").select_option("alive")
    # The condition row shows only the fields its type needs once a type is chosen.
    assert not page.locator("#id_mother-cond-0-term_months").is_visible()
    page.locator("#id_mother-cond-0-type").select_option("imprisoned")
    page.locator("#id_mother-cond-0-since").fill("2024-03-01")
    page.locator("#id_mother-cond-0-term_months").fill("36")
    page.locator("#id_mother-cond-0-evidence_kind").select_option("judgment")
    page.locator("#id_mother-cond-0-evidence_reference").fill("(2024)川1502刑初1号")
    assert not page.locator("#id_mother-cond-0-police_accepted_on").is_visible()
    # The father lost contact: a fourth condition row, added with "add another".
    page.locator("#id_father-vital_status").select_option("alive")
    father = page.locator("[data-hh-formset=father-cond]")
    father.get_by_role("button", name="再添加一项情形").click()
    page.locator("#id_father-cond-3-type").select_option("lost_contact")
    page.locator("#id_father-cond-3-police_accepted_on").fill("2024-05-10")
    page.locator("#id_father-cond-3-police_receipt").check()
    page.get_by_role("button", name="登记", exact=True).click()

    summary = page.locator("#hh-error-summary")
    summary.wait_for()
    assert "身份证号码校验位不正确" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "hh-error-summary"
    # Nothing typed was lost; the summary link takes the director to the field.
    assert page.locator("#id_mother-cond-0-evidence_reference").input_value() == (
        "(2024)川1502刑初1号"
    )
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_id_number"
    page.locator("#id_id_number").fill(id_number)
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(f"{base_url}/children/*/")
    assert "已登记儿童 李小芳" in page.locator("main").inner_text()
    return page.url


def test_a_director_registers_and_finds_a_child_and_a_director_elsewhere_cannot_open_it(
    browser: Browser,  # noqa: F811 (the fixture)
    live_server,
    village_director,
    director_elsewhere,
) -> None:
    base_url = live_server.url
    id_number = make_id_number(dt.date(2015, 3, 2), sex="female", sequence=77)
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, village_director.username)
        assert "我的儿童" in page.locator("main").inner_text()
        child_url = register_on_a_phone(page, base_url, id_number)

        # Find the child in the list by name.
        open_menu(page)
        page.locator("#hh-nav").get_by_role("link", name="我的儿童").click()
        page.get_by_label("姓名或身份证号码").fill("李小芳")
        page.get_by_role("button", name="查找", exact=True).click()
        page.wait_for_url("**/children/?q=*")
        row = page.get_by_role("link", name="李小芳")
        assert row.count() == 1
        assert f"***{id_number[-4:]}" in page.locator("main").inner_text()
        assert id_number not in page.content()
        # The page fits the phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        row.click()
        page.wait_for_url(child_url)
        file_text = page.locator("main").inner_text()
        assert "李小芳" in file_text
        assert "服刑在押" in file_text
        assert "(2024)川1502刑初1号" in file_text

        open_menu(page)
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(f"{base_url}/login/")
    except Exception:
        save_failure_screenshots(page, base_url, "director")
        raise
    finally:
        phone.close()

    child = Child.objects.get(name="李小芳")
    assert child.id_number_last4 == id_number[-4:]
    conditions = ParentCondition.objects.filter(parent__child=child)
    assert conditions.get(parent__role="mother").term_months == 36
    lost = conditions.get(parent__role="father")
    assert (lost.type, lost.police_accepted_on) == ("lost_contact", dt.date(2024, 5, 10))

    desktop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    other = desktop.new_page()
    other_console = Console(other)
    try:
        sign_in(other, base_url, director_elsewhere.username)
        response = other.goto(child_url)
        assert response is not None
        assert response.status == 404
        assert "未找到" in other.locator("main").inner_text()
        assert "李小芳" not in other.content()
        other.goto(f"{base_url}/children/?q=李小芳")
        assert other.get_by_role("link", name="李小芳").count() == 0
    except Exception:
        save_failure_screenshots(other, base_url, "director-elsewhere")
        raise
    finally:
        desktop.close()

    for seen in (console, other_console):
        assert seen.csp_violations() == []
        assert seen.script_errors() == []
