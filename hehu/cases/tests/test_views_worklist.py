"""The work list page: tabs, filters, texts, permissions and the queries it costs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.cases.models import Level, WorkItem
from hehu.cases.tests.factories import OTHER_COUNTY_VILLAGE, director, supervisor
from hehu.cases.tests.test_worklist import TODAY, item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_it_shows_an_overdue_item_with_its_rule_and_days(client):
    made = item(-3)
    client.force_login(director())

    response = client.get("/worklist/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "已逾期 2 个工作日" in body  # due Saturday 7 March: Monday, Tuesday
    assert "2026年3月7日" in body
    assert "开案后 5 个工作日内首次走访" in body
    assert f"/cases/{made.case_id}/visits/record/" in body
    assert "共 1 项：1 项逾期，0 项一周内到期" in body


def test_it_shows_the_escalation_badge_to_both_levels(client):
    item(-10, level=Level.TOWNSHIP)
    for user in (director(), supervisor()):
        client.force_login(user)
        assert "已升级至乡镇" in client.get("/worklist/").content.decode()


def test_it_marks_a_provisional_date(client):
    made = item(2)
    made.provisional = True
    made.save(update_fields=["provisional"])
    client.force_login(director())

    assert "暂定" in client.get("/worklist/").content.decode()


def test_tabs_and_kind_filter(client):
    item(-10, level=Level.TOWNSHIP)
    item(1, origin=Level.TOWNSHIP, kind=WorkItem.Kind.RECOGNITION_VERIFY)
    client.force_login(supervisor())

    assert len(client.get("/worklist/").context["rows"]) == 2
    assert len(client.get("/worklist/?view=escalated").context["rows"]) == 1
    only = client.get("/worklist/?kind=recognition_verify").context["rows"]
    assert [r.item.kind for r in only] == ["recognition_verify"]
    assert client.get("/worklist/?view=bogus&kind=bogus").status_code == 200


def test_a_director_elsewhere_sees_an_empty_list(client):
    item(-3)
    client.force_login(director(OTHER_COUNTY_VILLAGE))

    response = client.get("/worklist/")

    assert response.context["rows"] == []
    assert "两周内没有到期或逾期的事项" in response.content.decode()


def test_roles_without_a_work_list_are_refused(client):
    client.force_login(make_user(Role.ADMIN, ""))
    assert client.get("/worklist/").status_code == 403


def test_it_requires_sign_in(client):
    assert client.get("/worklist/").status_code == 302


def test_it_paginates(client):
    for days in range(-13, 14):
        item(days)
    client.force_login(director())

    first = client.get("/worklist/")
    second = client.get("/worklist/?page=2")

    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 2
    assert first.context["rows"][0].due_on == TODAY - dt.timedelta(days=13)


def test_the_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for days in range(-5, 10):
        item(days)
    client.force_login(director())
    client.get("/worklist/")

    with django_assert_max_num_queries(8):
        client.get("/worklist/")
