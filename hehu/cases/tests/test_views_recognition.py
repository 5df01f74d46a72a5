"""Recognition pages: the queue with its clocks, receiving, the steps, the decision letter;
hidden applications are 404, every view is audited, nothing is public."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Browser

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry
from hehu.cases.models import RecognitionApplication, WorkItem
from hehu.cases.services.recognition import (
    application_decide,
    application_receive,
    application_verify,
)
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_child,
    supervisor,
)
from hehu.core.tests.browser import (  # noqa: F401
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    sign_in,
)
from hehu.registry.services.children import child_register
from hehu.registry.tests.factories import child_data, make_id_number

pytestmark = pytest.mark.django_db

D = dt.date
App = RecognitionApplication


@pytest.fixture(autouse=True)
def _today(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("browser"):
        yield  # a live server and a real browser run on the real clock
        return
    # Wednesday 2025-04-16: the township's deadline (23 April) is 5 working days away.
    with time_machine.travel(dt.datetime(2025, 4, 16, 9, tzinfo=dt.UTC), tick=False):
        yield


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def receive(child: Any = None, **kw: Any) -> App:
    values: dict[str, Any] = {
        "actor": supervisor(),
        "child": child or make_child(),
        "kind": App.Kind.DE_FACTO_UNATTENDED,
        "applicant_name": "王奶奶",
        "applicant_relation": "祖母",
        "applied_on": D(2025, 4, 1),
        "accepted_on": D(2025, 4, 1),
    }
    values.update(kw)
    return application_receive(**values)


def verified(application: App) -> App:
    return application_verify(
        actor=supervisor(),
        application=application,
        opinion="confirmed",
        note="比对公安、法院数据属实",
        concluded_on=D(2025, 4, 10),
    )


def page(application: App, name: str = "cases:application_detail") -> str:
    return reverse(name, args=[application.pk])


# -- queue ------------------------------------------------------------------------------------
def test_the_township_queue_shows_the_deadline_with_working_days_left_and_its_rule() -> None:
    application = receive()
    response = client_for(supervisor()).get(reverse("cases:applications"))
    text = response.content.decode()
    assert response.status_code == 200
    assert application.child.name in text
    assert "2025年4月23日" in text
    assert "还剩 5 个工作日" in text
    assert "受理后 15 个工作日内完成乡镇核查" in text
    assert "认定结果不予公示" in text
    entry = AuditEntry.objects.get(verb="application.viewed", object_id="list")
    assert entry.changes["ids"] == [application.pk]


def test_the_county_queue_shows_only_what_awaits_its_decision() -> None:
    waiting = verified(receive())
    township_stage = receive(make_child())
    text = client_for(county_officer()).get(reverse("cases:applications")).content.decode()
    assert waiting.child.name in text
    assert township_stage.child.name not in text


def test_an_overdue_application_says_by_how_many_working_days() -> None:
    application = receive(applied_on=D(2025, 3, 3), accepted_on=D(2025, 3, 3))
    # Due 15 working days after 3 March: 24 March. Working days after it up to 16 April:
    # 25–28 and 31 March (5), 1–3 April (3; 4–6 Qingming off), 7–11 (5), 14–16 (3) → 16.
    due = WorkItem.objects.get(application=application).due_on
    assert due == D(2025, 3, 24)
    text = client_for(supervisor()).get(reverse("cases:applications")).content.decode()
    assert "已逾期 16 个工作日" in text


def test_the_status_filter_lists_visible_applications_of_that_status() -> None:
    application = verified(receive())
    client = client_for(supervisor())
    assert application.child.name in client.get("/applications/?status=county").content.decode()
    assert (
        application.child.name not in client.get("/applications/?status=approved").content.decode()
    )


def test_a_department_officer_has_no_queue() -> None:
    assert client_for(department_officer()).get(reverse("cases:applications")).status_code == 403


# -- receiving --------------------------------------------------------------------------------
def test_a_supervisor_receives_from_the_childs_page() -> None:
    child = make_child()
    url = reverse("cases:application_new", args=[child.pk])
    response = client_for(supervisor()).post(
        url,
        {
            "kind": "orphan",
            "applicant_name": "王爷爷",
            "applicant_relation": "祖父",
            "applied_on": "2025-04-14",
            "accepted_on": "2025-04-15",
        },
    )
    application = App.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(application)
    assert (application.kind, application.accepted_on) == ("orphan", D(2025, 4, 15))


def test_a_refused_receipt_shows_the_error_next_to_the_field_and_keeps_the_input() -> None:
    child = make_child()
    response = client_for(supervisor()).post(
        reverse("cases:application_new", args=[child.pk]),
        {
            "kind": "orphan",
            "applicant_name": "王爷爷",
            "applicant_relation": "祖父",
            "applied_on": "2025-04-14",
            "accepted_on": "2025-04-10",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "受理日期不能早于申请日期" in text
    assert 'href="#id_accepted_on"' in text
    assert 'value="王爷爷"' in text
    assert not App.objects.exists()


def test_a_director_cannot_receive_and_a_hidden_child_is_404() -> None:
    child = make_child()
    url = reverse("cases:application_new", args=[child.pk])
    assert client_for(director()).get(url).status_code == 403
    other = make_user(Role.TOWNSHIP_SUPERVISOR, OTHER_COUNTY_VILLAGE[:9])
    assert client_for(other).get(url).status_code == 404
    assert client_for(other).post(url, {"kind": "orphan"}).status_code == 404
    assert not App.objects.exists()


def test_a_township_in_another_province_receives_by_the_childs_id_number() -> None:
    number = make_id_number(D(2015, 3, 2), sex="female", sequence=41)
    registrar = director()
    child = child_register(actor=registrar, data=child_data(id_number=number, no_id_reason=""))
    hebei = make_user(Role.TOWNSHIP_SUPERVISOR, "130111200")
    response = client_for(hebei).post(
        reverse("cases:application_new_cross_province"),
        {
            "id_number": number,
            "kind": "de_facto_unattended",
            "applicant_name": "李叔叔",
            "applicant_relation": "叔叔",
            "applied_on": "2025-04-15",
            "accepted_on": "2025-04-15",
        },
    )
    application = App.objects.get()
    assert response.status_code == 302
    assert (application.child_id, application.status, application.cross_province) == (
        child.pk,
        "received",
        True,
    )
    detail = client_for(hebei).get(page(application)).content.decode()
    assert "转交户籍地乡镇" in detail
    assert "2025年4月18日" in detail  # 3 working days after 15 April


def test_an_unknown_id_number_is_refused_on_its_field() -> None:
    hebei = make_user(Role.TOWNSHIP_SUPERVISOR, "130111200")
    response = client_for(hebei).post(
        reverse("cases:application_new_cross_province"),
        {
            "id_number": make_id_number(sequence=99),
            "kind": "orphan",
            "applicant_name": "李叔叔",
            "applicant_relation": "叔叔",
            "applied_on": "2025-04-15",
            "accepted_on": "2025-04-15",
        },
    )
    assert "没有找到这个身份证号码的在册儿童" in response.content.decode()
    assert not App.objects.exists()


# -- one application --------------------------------------------------------------------------
def test_the_page_shows_the_timeline_and_the_verify_form_to_the_hukou_township() -> None:
    application = receive()
    response = client_for(supervisor()).get(page(application))
    text = response.content.decode()
    assert response.status_code == 200
    assert "乡镇核查" in text
    assert "期限 2025年4月23日" in text
    assert 'name="verify-opinion"' in text
    assert 'name="decide-approve"' not in text
    assert "依据民发〔2019〕62号，认定结果不予公示。" in text
    assert AuditEntry.objects.filter(
        verb="application.viewed", object_id=str(application.pk)
    ).exists()


def test_a_director_sees_the_application_but_no_action() -> None:
    application = receive()
    text = client_for(director()).get(page(application)).content.decode()
    assert "verify-opinion" not in text
    assert "withdraw-reason" not in text


def test_an_application_outside_the_jurisdiction_is_404_and_nothing_changes() -> None:
    application = receive()
    outsider = county_officer(OTHER_COUNTY_VILLAGE)
    client = client_for(outsider)
    assert client.get(page(application)).status_code == 404
    response = client.post(
        page(application),
        {"step": "withdraw", "withdraw-reason": "撤回", "withdraw-expected_version": 1},
    )
    assert response.status_code == 404
    assert client.get(page(application, "cases:application_decision")).status_code == 404
    assert App.objects.get().status == "township"
    assert not AuditEntry.objects.filter(actor=outsider).exists()


def test_the_supervisor_verifies_through_the_page() -> None:
    application = receive()
    response = client_for(supervisor()).post(
        page(application),
        {
            "step": "verify",
            "verify-expected_version": application.version,
            "verify-opinion": "confirmed",
            "verify-note": "比对公安数据，母亲在押",
            "verify-concluded_on": "2025-04-15",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "county"


def test_a_step_not_open_to_the_role_is_403() -> None:
    application = receive()
    response = client_for(director()).post(
        page(application),
        {
            "step": "verify",
            "verify-expected_version": 1,
            "verify-opinion": "confirmed",
            "verify-concluded_on": "2025-04-15",
        },
    )
    assert response.status_code == 403
    assert App.objects.get().status == "township"


def test_a_refusal_without_reasons_is_shown_back_with_a_clear_message() -> None:
    application = verified(receive())
    response = client_for(county_officer()).post(
        page(application),
        {
            "step": "decide",
            "decide-expected_version": application.version,
            "decide-approve": "no",
            "decide-reasons": "",
            "decide-decided_on": "2025-04-15",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "不予认定必须书面说明理由" in text
    assert 'href="#id_decide-reasons"' in text
    assert App.objects.get().status == "county"


def test_a_stale_form_is_refused_with_what_to_do() -> None:
    application = verified(receive())
    response = client_for(county_officer()).post(
        page(application),
        {
            "step": "decide",
            "decide-expected_version": 1,
            "decide-approve": "yes",
            "decide-decided_on": "2025-04-15",
        },
    )
    assert "请刷新页面" in response.content.decode()
    assert App.objects.get().status == "county"


def test_an_approval_says_when_benefits_start() -> None:
    application = verified(receive())
    client = client_for(county_officer())
    client.post(
        page(application),
        {
            "step": "decide",
            "decide-expected_version": application.version,
            "decide-approve": "yes",
            "decide-decided_on": "2025-04-15",
        },
    )
    text = client.get(page(application)).content.decode()
    assert "保障金从确认的次月起发放，即自 2025年5月 起" in text


# -- the decision letter ----------------------------------------------------------------------
def test_printing_the_refusal_letter_asks_the_purpose_and_is_audited() -> None:
    reasons = "母亲服刑期限不满六个月，不符合事实无人抚养儿童认定条件"
    application = application_decide(
        actor=county_officer(),
        application=verified(receive()),
        approve=False,
        reasons=reasons,
        decided_on=D(2025, 4, 15),
    )
    client = client_for(county_officer())
    url = page(application, "cases:application_decision")
    first = client.get(url).content.decode()
    assert "打印用途" in first
    assert reasons not in first
    letter = client.get(url, {"purpose": "送达申请人"}).content.decode()
    assert "不予认定决定书" in letter
    assert reasons in letter
    assert "recognition-print.css" in letter
    entry = AuditEntry.objects.filter(verb="application.viewed", changes__printed=True).get()
    assert entry.reason == "送达申请人"


def test_there_is_no_letter_before_the_decision() -> None:
    application = receive()
    url = page(application, "cases:application_decision")
    assert client_for(supervisor()).get(url, {"purpose": "归档"}).status_code == 404


# -- nothing public ---------------------------------------------------------------------------
def test_no_page_or_api_of_an_application_is_reachable_without_login() -> None:
    application = application_decide(
        actor=county_officer(),
        application=verified(receive()),
        approve=True,
        decided_on=D(2025, 4, 15),
    )
    anonymous = Client()
    pages = [
        reverse("cases:applications"),
        reverse("cases:application_new", args=[application.child_id]),
        reverse("cases:application_new_cross_province"),
        page(application),
        page(application, "cases:application_decision") + "?purpose=x",
    ]
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url
    apis = [
        "/api/v1/applications/",
        f"/api/v1/applications/{application.pk}/",
    ]
    for url in apis:
        assert anonymous.get(url).status_code in (401, 403), url
    for step in ("forward", "verify", "decide", "notify", "withdraw"):
        url = f"/api/v1/applications/{application.pk}/{step}/"
        assert anonymous.post(url, {}).status_code in (401, 403), url


def test_no_publicity_list_exists() -> None:
    # 62号: the result of a recognition is never announced; there is no page to announce it.
    names = [str(name) for name in get_resolver().reverse_dict if isinstance(name, str)]
    cases_names = list(get_resolver().namespace_dict["cases"][1].reverse_dict)
    for name in names + [str(n) for n in cases_names if isinstance(n, str)]:
        assert "public" not in name, name
        assert "公示" not in name, name
    for name in ("cases:application_publicity", "cases:applications_public"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


# -- in a real browser, on a phone ------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_supervisor_receives_and_verifies_and_the_county_prints_a_refusal(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    live_server: Any,
) -> None:
    base = live_server.url
    child = make_child()
    township = supervisor(username="rec-supervisor")
    county = county_officer(username="rec-county")
    today = timezone.localdate()
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page_ = phone.new_page()
    console = Console(page_)
    try:
        sign_in(page_, base, township.username)
        page_.goto(f"{base}/children/{child.pk}/applications/new/")
        page_.get_by_label("事实无人抚养儿童").check()
        page_.get_by_label("申请人姓名").fill("王奶奶")
        page_.get_by_label("申请人与儿童的关系").fill("祖母")
        page_.get_by_role("button", name="受理").click()
        page_.wait_for_url(f"{base}/applications/*/")
        text = page_.locator("main").inner_text()
        assert "已受理认定申请" in text
        assert "还剩 15 个工作日" in text
        assert "认定结果不予公示" in text
        wide = page_.evaluate(
            "[...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > 360).map(e => e.tagName + '#' + e.id)"
        )
        assert page_.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wide
        page_.get_by_label("情况属实").check()
        page_.get_by_role("button", name="乡镇核查").click()
        page_.wait_for_url(f"{base}/applications/*/")
        assert "县级审核" in page_.locator("main").inner_text()
        application_url = page_.url
    finally:
        phone.close()
    desktop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    office = desktop.new_page()
    office_console = Console(office)
    try:
        sign_in(office, base, county.username)
        office.goto(application_url)
        office.get_by_label("不予认定", exact=True).check()
        office.get_by_label("不予认定的理由").fill("母亲服刑期限不满六个月，不符合认定条件")
        office.get_by_role("button", name="县级审核决定").click()
        office.wait_for_url(application_url)
        office.get_by_role("link", name="打印不予认定决定书").click()
        office.get_by_label("打印用途").fill("送达申请人")
        office.get_by_role("button", name="显示决定书").click()
        letter = office.locator("#hh-letter")
        letter.wait_for()
        assert "母亲服刑期限不满六个月" in letter.inner_text()
        office.emulate_media(media="print")
        assert not office.locator("header.hh-header").is_visible()
        assert letter.is_visible()
    finally:
        desktop.close()
    assert today == App.objects.get().decided_on
    for seen in (console, office_console):
        assert seen.csp_violations() == []
        assert seen.script_errors() == []
