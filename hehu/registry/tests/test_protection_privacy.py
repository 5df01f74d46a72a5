"""MPL art. 103: whether a child is in a protection matter is shown only to the roles that
act on it — not to every department officer who may read the county's files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.registry.services import child_register
from hehu.registry.services.protection_facts import child_concern_record
from hehu.registry.tests.factories import full_child_data, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(village_director):
    child = child_register(actor=village_director, data=full_child_data(id_number=make_id_number()))
    # A protection service records a concern, naming the matter by number.
    child_concern_record(
        actor=None,
        child=child,
        type="sexual_abuse",
        since=dt.date(2026, 3, 2),
        substantiated=False,
        reason="强制报告 P000001",
    )
    return child


def education():
    return make_user(Role.DEPARTMENT_OFFICER, "511502", department=Department.EDUCATION)


def police():
    return make_user(Role.DEPARTMENT_OFFICER, "511502", department=Department.PUBLIC_SECURITY)


def test_the_file_page_hides_concerns_and_their_history_from_an_education_officer(client, child):
    client.force_login(education())
    page = client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert "仅向个案工作人员和处理保护事项的部门显示。" in page
    assert "性侵害" not in page
    assert "强制报告 P000001" not in page
    assert "忽视" not in page  # the concern the file was registered with, too


def test_the_police_and_the_director_see_them(client, child, village_director):
    for user in (police(), village_director):
        client.force_login(user)
        page = client.get(reverse("web:child", args=[child.pk])).content.decode()
        assert "性侵害" in page
        assert "强制报告 P000001" in page


def test_the_api_gives_an_education_officer_no_concerns_and_no_protection_history(child):
    api = APIClient()
    api.force_authenticate(education())
    detail = api.get(f"/api/v1/children/{child.pk}/").json()
    assert detail["concerns"] is None
    history = api.get(f"/api/v1/children/{child.pk}/history/").json()["results"]
    assert all(not e["reason"].startswith("强制报告") for e in history)
    assert all(not k.startswith("concerns[") for e in history for k in e["changes"])
    api.force_authenticate(police())
    detail = api.get(f"/api/v1/children/{child.pk}/").json()
    assert {c["type"] for c in detail["concerns"]} == {"neglect", "sexual_abuse"}
