"""Who may read which part of the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import Http404

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import Verb
from hehu.audit.selectors import AuditFilters, audit_search, audit_trail_for_child
from hehu.audit.tests.factories import record
from hehu.regions.tests.factories import region
from hehu.registry.models import Child
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

OTHER_COUNTY_VILLAGE = "511524100201"


@pytest.fixture
def child(village_director):
    child = ChildFactory()
    record(village_director, Verb.CHILD_CREATED, child=child, changes={"name": [None, child.name]})
    record(village_director, Verb.CHILD_VIEWED, child=child)
    record(village_director, Verb.CHILD_ID_REVEALED, child=child, reason="办理低保")
    record(
        village_director,
        Verb.CHILD_UPDATED,
        child=child,
        changes={"living_arrangement": ["with_parents", "with_relatives"]},
    )
    return child


@pytest.fixture
def county_admin(db):
    return make_user(Role.ADMIN, "511502", username="county_admin")


@pytest.fixture
def admin_elsewhere(db):
    return make_user(Role.ADMIN, "511524", username="admin_elsewhere")


def verbs(entries):
    return [e.verb for e in entries]


def test_it_gives_an_administrator_the_whole_trail_newest_first(admin_user, child):
    assert verbs(audit_trail_for_child(user=admin_user, child_id=child.pk)) == [
        Verb.CHILD_UPDATED,
        Verb.CHILD_ID_REVEALED,
        Verb.CHILD_VIEWED,
        Verb.CHILD_CREATED,
    ]


def test_it_gives_a_county_administrator_the_trail_of_a_child_in_the_county(county_admin, child):
    assert audit_trail_for_child(user=county_admin, child_id=child.pk).count() == 4


def test_it_hides_the_trail_from_an_administrator_of_another_county(admin_elsewhere, child):
    with pytest.raises(Http404):
        audit_trail_for_child(user=admin_elsewhere, child_id=child.pk)


def test_it_shows_the_supervisor_only_who_read_the_file(township_supervisor, child):
    assert verbs(audit_trail_for_child(user=township_supervisor, child_id=child.pk)) == [
        Verb.CHILD_ID_REVEALED,
        Verb.CHILD_VIEWED,
    ]


def test_it_shows_the_county_officer_who_read_the_file(county_officer, child):
    entries = audit_trail_for_child(user=county_officer, child_id=child.pk)
    assert set(verbs(entries)) == {Verb.CHILD_VIEWED, Verb.CHILD_ID_REVEALED}


@pytest.mark.parametrize(
    ("role", "prefix"),
    [
        (Role.VILLAGE_DIRECTOR, "511502001001"),
        (Role.DEPARTMENT_OFFICER, "511502"),
        (Role.SOCIAL_WORKER, "511502"),
        (Role.CITY_ANALYST, "5115"),
        (Role.NATIONAL_ANALYST, ""),
    ],
)
def test_it_hides_the_trail_from_roles_without_the_permission(role, prefix, child):
    user = make_user(role, prefix)
    with pytest.raises(Http404):
        audit_trail_for_child(user=user, child_id=child.pk)


def test_it_hides_the_trail_of_a_child_the_supervisor_cannot_open(
    township_supervisor, director_elsewhere
):
    elsewhere = ChildFactory(region=region(OTHER_COUNTY_VILLAGE))
    record(director_elsewhere, Verb.CHILD_VIEWED, child=elsewhere)
    with pytest.raises(Http404):
        audit_trail_for_child(user=township_supervisor, child_id=elsewhere.pk)


def test_it_treats_a_missing_child_like_a_hidden_one(admin_user):
    for child_id in (999999, "abc", None):
        with pytest.raises(Http404):
            audit_trail_for_child(user=admin_user, child_id=child_id)


def test_it_keeps_the_trail_of_a_file_merged_into_this_one(admin_user, village_director, child):
    duplicate = ChildFactory(status=Child.Status.MERGED, merged_into=child)
    record(village_director, Verb.CHILD_VIEWED, child=duplicate)
    trail = audit_trail_for_child(user=admin_user, child_id=child.pk)
    assert {e.child_id for e in trail} == {child.pk, duplicate.pk}
    assert trail.count() == 5


def test_it_lets_the_administrator_read_the_trail_of_a_merged_file(admin_user, child):
    duplicate = ChildFactory(status=Child.Status.MERGED, merged_into=child)
    assert audit_trail_for_child(user=admin_user, child_id=duplicate.pk).count() == 0


def test_it_searches_by_actor_verb_and_child(admin_user, village_director, child):
    other = ChildFactory()
    record(village_director, Verb.CHILD_VIEWED, child=other)
    found = audit_search(
        user=admin_user,
        filters=AuditFilters(actor="director", verb=Verb.CHILD_VIEWED, child_id=child.pk),
    )
    assert [(e.verb, e.child_id) for e in found] == [(Verb.CHILD_VIEWED, child.pk)]
    assert audit_search(user=admin_user, filters=AuditFilters(actor="nobody")).count() == 0


def test_it_searches_whole_local_days_at_both_ends(admin_user, village_director):
    child = ChildFactory()
    shanghai = dt.timezone(dt.timedelta(hours=8))
    for moment in (
        dt.datetime(2026, 3, 1, 23, 59, tzinfo=shanghai),  # the day before
        dt.datetime(2026, 3, 2, 0, 0, tzinfo=shanghai),  # first minute of the range
        dt.datetime(2026, 3, 3, 23, 59, tzinfo=shanghai),  # last minute of the range
        dt.datetime(2026, 3, 4, 0, 0, tzinfo=shanghai),  # the day after
    ):
        with time_machine.travel(moment, tick=False):
            record(village_director, Verb.CHILD_VIEWED, child=child)
    filters = AuditFilters(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 3))
    found = audit_search(user=admin_user, filters=filters)
    assert sorted(e.at.astimezone(shanghai).strftime("%d %H:%M") for e in found) == [
        "02 00:00",
        "03 23:59",
    ]


def test_it_limits_a_county_administrator_to_the_county(county_admin, village_director, child):
    elsewhere_director = make_user(Role.VILLAGE_DIRECTOR, OTHER_COUNTY_VILLAGE)
    record(elsewhere_director, Verb.USER_UPDATED)  # an account in the other county
    record(village_director, Verb.USER_UPDATED)  # an account in this county
    found = audit_search(user=county_admin, filters=AuditFilters())
    assert elsewhere_director.pk not in {e.actor_id for e in found}
    assert {e.child_id for e in found} == {child.pk, None}
    assert found.count() == 5


def test_it_gives_the_search_to_administrators_only(township_supervisor, child):
    assert audit_search(user=township_supervisor, filters=AuditFilters()).count() == 0
