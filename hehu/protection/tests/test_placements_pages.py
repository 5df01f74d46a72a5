"""The protection pages of removals, placements and the register, with the test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hehu.accounts.models import Role, User
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    department_officer,
    director,
    social_worker,
)
from hehu.protection.models import CareFacility, Placement, Removal, ReturnAssessment
from hehu.protection.models.placement import Ground
from hehu.protection.tests.factories import (
    county_officer,
    make_child,
    make_facility,
    make_placement,
    police,
)
from hehu.registry.models import Child

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(child: Child) -> str:
    return reverse("protection:child_protection", args=[child.pk])


def _removal_post(**more: str) -> dict[str, str]:
    now = timezone.localtime() - dt.timedelta(hours=1)
    return {
        "removed_at": now.strftime("%Y-%m-%dT%H:%M"),
        "removed_by_body": "public_security",
        "removed_by_name": "李明（派出所民警）",
        "ground": Ground.GUARDIAN_NEGLECTS,
        "circumstances": "儿童独自在家三天，无人照料。",
        **more,
    }


# -- the protection page ---------------------------------------------------------------------------
def test_the_protection_page_shows_where_the_child_is_today_and_is_audited() -> None:
    officer = county_officer()
    child = make_child()
    facility = make_facility(actor=officer, name="翠屏区未成年人救助保护中心")
    make_placement(child, actor=officer, facility=facility)

    response = _client(officer).get(_page(child))

    assert response.status_code == 200
    body = response.content.decode()
    assert "翠屏区未成年人救助保护中心" in body
    assert "登记返还监护评估" in body
    assert response["Cache-Control"] == "private, no-store"
    assert response.context["child"] == child
    entry = AuditEntry.objects.get(verb=Verb.PROTECTION_VIEWED, child_id=child.pk)
    assert entry.actor == officer


@pytest.mark.parametrize(
    "who",
    [
        lambda: county_officer(OTHER_COUNTY_VILLAGE),
        lambda: police(OTHER_COUNTY_VILLAGE),
        lambda: make_user(Role.CITY_ANALYST, "5115"),
        social_worker,
    ],
    ids=["county-elsewhere", "police-elsewhere", "city-analyst", "social-worker"],
)
def test_someone_outside_sees_nothing_of_the_protection_record(who: object) -> None:
    child = make_child()
    placement = make_placement(child)
    user = who()  # type: ignore[operator]
    client = _client(user)

    urls = [
        _page(child),
        reverse("protection:removal_record", args=[child.pk]),
        reverse("protection:placement_start", args=[child.pk]),
        reverse("protection:return_assessment", args=[placement.pk]),
        reverse("protection:placement_end", args=[placement.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(urls[1], _removal_post()).status_code == 404
    assert not Removal.objects.exists()
    assert not AuditEntry.objects.filter(verb=Verb.PROTECTION_VIEWED).exists()


def test_an_education_officer_sees_nothing_of_the_protection_record() -> None:
    child = make_child()

    response = _client(department_officer()).get(_page(child))

    assert response.status_code == 404


def test_a_police_officer_reads_the_record_and_is_offered_a_removal_not_a_placement() -> None:
    child = make_child()

    response = _client(police()).get(_page(child))

    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("protection:removal_record", args=[child.pk]) in body
    assert reverse("protection:placement_start", args=[child.pk]) not in body


def test_the_page_includes_the_intervention_section() -> None:
    child = make_child()

    response = _client(director()).get(_page(child))

    assert "protection/_interventions.html" in [t.name for t in response.templates]


# -- removal -------------------------------------------------------------------------------------
def test_a_police_officer_records_a_removal_without_the_placement_part() -> None:
    child = make_child()
    client = _client(police())
    form = client.get(reverse("protection:removal_record", args=[child.pk]))
    assert "place_now" not in form.content.decode()

    response = client.post(reverse("protection:removal_record", args=[child.pk]), _removal_post())

    assert response.status_code == 302
    assert response["Location"] == _page(child)
    removal = Removal.objects.get(child=child)
    assert removal.ground == Ground.GUARDIAN_NEGLECTS
    assert not Placement.objects.exists()


def test_a_police_officer_may_not_open_the_placement_form() -> None:
    child = make_child()

    response = _client(police()).get(reverse("protection:placement_start", args=[child.pk]))

    assert response.status_code == 403


def test_a_refused_removal_shows_every_problem_and_keeps_the_answers() -> None:
    child = make_child()

    response = _client(police()).post(
        reverse("protection:removal_record", args=[child.pk]),
        _removal_post(ground="", removed_by_name="", circumstances="邻居发现"),
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_ground_0"' in body
    assert 'href="#id_removed_by_name"' in body
    assert "邻居发现" in body
    assert not Removal.objects.exists()


def test_civil_affairs_record_the_removal_and_place_the_child_in_one_form() -> None:
    officer = county_officer()
    child = make_child()
    facility = make_facility(actor=officer)

    response = _client(officer).post(
        reverse("protection:removal_record", args=[child.pk]),
        _removal_post(
            removed_by_body="civil_affairs",
            place_now="on",
            kind=Placement.Kind.INSTITUTION,
            guardianship=Placement.Guardianship.TEMPORARY,
            facility=str(facility.pk),
            started_on=timezone.localdate().isoformat(),
        ),
    )

    assert response.status_code == 302
    placement = Placement.objects.get(child=child)
    assert placement.facility == facility
    assert placement.removal == Removal.objects.get(child=child)


# -- placement -----------------------------------------------------------------------------------
def _place(client: Client, child: Child, facility: CareFacility, **more: str) -> object:
    return client.post(
        reverse("protection:placement_start", args=[child.pk]),
        {
            "kind": Placement.Kind.INSTITUTION,
            "guardianship": Placement.Guardianship.TEMPORARY,
            "facility": str(facility.pk),
            "started_on": timezone.localdate().isoformat(),
            **more,
        },
    )


def test_the_placement_form_refuses_a_full_facility_naming_occupancy_and_capacity() -> None:
    officer = county_officer()
    facility = make_facility(actor=officer, capacity=1, name="县儿童福利院")
    make_placement(make_child(), actor=officer, facility=facility)
    child = make_child()
    client = _client(officer)
    form = client.get(reverse("protection:placement_start", args=[child.pk]))
    assert "县儿童福利院" in form.content.decode()
    assert "1/1，已满" in form.content.decode()

    refused = _place(client, child, facility)
    accepted = _place(
        client, child, facility, over_capacity_reason="深夜带离，其他机构均已满员，明日转出"
    )

    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "现安置 1 人，床位 1 个" in refused.content.decode()  # type: ignore[attr-defined]
    assert accepted.status_code == 302  # type: ignore[attr-defined]
    assert Placement.objects.get(child=child).over_capacity_reason.startswith("深夜带离")


# -- return --------------------------------------------------------------------------------------
def test_a_return_without_an_assessment_is_refused_on_the_page_then_accepted_after_one() -> None:
    officer = county_officer()
    child = make_child()
    placement = make_placement(child, actor=officer)
    client = _client(officer)
    end_url = reverse("protection:placement_end", args=[placement.pk])
    ending = {
        "ended_on": timezone.localdate().isoformat(),
        "end_reason": Placement.EndReason.RETURNED,
        "living_arrangement": "with_parents",
        "guardian_relation": "parent",
        "guardian_name": "刘秀英",
        "version": str(placement.version),
    }

    refused = client.post(end_url, ending)
    assessed = client.post(
        reverse("protection:return_assessment", args=[placement.pk]),
        {
            "assessed_on": timezone.localdate().isoformat(),
            "guardian_can_care": "yes",
            "findings": "入户评估：父母已接受家庭教育指导，能够照料。",
        },
    )
    accepted = client.post(end_url, ending)

    assert refused.status_code == 400
    assert "返还监护人前须由民政部门评估监护人能够重新履行监护职责" in refused.content.decode()
    assert assessed.status_code == 302
    assert ReturnAssessment.objects.get(placement=placement).guardian_can_care is True
    assert accepted.status_code == 302
    placement.refresh_from_db()
    assert placement.end_reason == Placement.EndReason.RETURNED
    page = client.get(_page(child)).content.decode()
    assert "返还监护评估" in page
    assert "儿童目前没有处于民政部门的临时或长期监护安置中" in page


# -- the register --------------------------------------------------------------------------------
def test_the_register_lists_occupancy_and_free_places() -> None:
    officer = county_officer()
    facility = make_facility(actor=officer, capacity=3, name="王建国家庭")
    make_placement(make_child(), actor=officer, facility=facility)
    make_facility(village=OTHER_COUNTY_VILLAGE, name="长宁县儿童福利院")

    response = _client(officer).get(reverse("protection:facilities"))

    body = response.content.decode()
    assert "王建国家庭" in body
    assert "已安置 1 人 · 床位 3 个 · 空余 2 个" in body
    assert "长宁县儿童福利院" not in body


def test_the_register_is_for_county_civil_affairs_only() -> None:
    assert _client(police()).get(reverse("protection:facilities")).status_code == 403


def test_a_facility_is_added_from_the_page() -> None:
    officer = county_officer()

    response = _client(officer).post(
        reverse("protection:facility_new"),
        {"name": "李桂兰家庭", "kind": CareFacility.Kind.FOSTER_FAMILY, "capacity": "2"},
    )

    assert response.status_code == 302
    facility = CareFacility.objects.get(name="李桂兰家庭")
    assert (facility.region_code, facility.capacity) == ("511502000000", 2)


def test_a_concurrent_edit_of_a_facility_is_refused_with_the_latest_shown() -> None:
    officer = county_officer()
    facility = make_facility(actor=officer, capacity=3, name="王建国家庭")
    client = _client(officer)
    url = reverse("protection:facility_edit", args=[facility.pk])
    mine = {"name": "王建国家庭", "kind": facility.kind, "capacity": "4", "active": "on"}

    first = client.post(url, {**mine, "version": "1"})
    second = client.post(url, {**mine, "capacity": "6", "version": "1"})

    assert first.status_code == 302
    assert second.status_code == 409
    assert "已被其他人修改" in second.content.decode()
    assert "床位 4 个" in second.content.decode()
    facility.refresh_from_db()
    assert facility.capacity == 4


def test_a_facility_of_another_county_cannot_be_edited() -> None:
    elsewhere = make_facility(village=OTHER_COUNTY_VILLAGE)

    response = _client(county_officer()).get(
        reverse("protection:facility_edit", args=[elsewhere.pk])
    )

    assert response.status_code == 404
