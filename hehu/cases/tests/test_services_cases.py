"""A case's flow as people drive it: every allowed move and every refused one, the emergency
fast path, closing with a reason, reopening, one open case per child, and who may do what."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db.models import QuerySet

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.errors import CaseAlreadyOpen, CaseClosed, TransitionNotAllowed
from hehu.cases.models import Case, CaseTransition, CloseReason, Visit
from hehu.cases.services.case_actions import (
    case_close_by_person,
    case_open_by_person,
    case_reopen_by_person,
    case_transition_by_person,
)
from hehu.cases.services.cases import TRANSITIONS, case_open
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_child,
    social_worker,
    supervisor,
)
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed

pytestmark = pytest.mark.django_db

S = Case.Status
OPEN_STATUSES = [s for s in S.values if s != S.CLOSED]
ALLOWED = [(a, b) for a in OPEN_STATUSES for b in sorted(TRANSITIONS[a])]
REFUSED = [(a, b) for a in OPEN_STATUSES for b in OPEN_STATUSES if b not in TRANSITIONS[a]]


def _case_at(status: str, *, emergency: bool = False) -> Case:
    case = make_case(emergency=emergency)
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(("before", "after"), ALLOWED)
def test_it_allows_each_move_of_the_flow(before: str, after: str) -> None:
    case = _case_at(before, emergency=True)
    actor = director()

    moved = case_transition_by_person(
        actor=actor, case=case, to_status=after, reason="按流程", expected_version=case.version
    )

    assert moved.status == after
    assert moved.version == case.version + 1
    step = CaseTransition.objects.filter(case=case).last()
    assert step is not None
    assert (step.from_status, step.to_status, step.actor, step.reason) == (
        before,
        after,
        actor,
        "按流程",
    )
    entry = AuditEntry.objects.get(verb=Verb.CASE_TRANSITIONED, object_id=str(case.pk))
    assert entry.changes == {"status": [before, after]}


@pytest.mark.parametrize(("before", "after"), REFUSED)
def test_it_refuses_each_move_the_flow_does_not_allow(before: str, after: str) -> None:
    case = _case_at(before, emergency=True)

    with pytest.raises(TransitionNotAllowed):
        case_transition_by_person(
            actor=director(), case=case, to_status=after, expected_version=case.version
        )

    case.refresh_from_db()
    assert case.status == before
    assert not AuditEntry.objects.filter(verb=Verb.CASE_TRANSITIONED).exists()


@pytest.mark.parametrize("after", S.values)
def test_it_refuses_every_move_of_a_closed_case(after: str) -> None:
    case = _case_at(S.CLOSED)

    with pytest.raises(CaseClosed):
        case_transition_by_person(
            actor=director(), case=case, to_status=after, expected_version=None
        )


def test_it_refuses_the_fast_path_for_a_case_that_is_not_an_emergency() -> None:
    case = make_case()

    with pytest.raises(TransitionNotAllowed, match="评估"):
        case_transition_by_person(
            actor=director(), case=case, to_status=S.IN_SERVICE, expected_version=case.version
        )


@time_machine.travel(dt.datetime(2026, 9, 25, 9, tzinfo=dt.UTC), tick=False)
def test_an_emergency_goes_straight_to_service_with_a_visit_the_next_working_day() -> None:
    child = make_child()
    case = case_open_by_person(
        actor=director(), child=child, reason="儿童独自在家，无人照料", emergency=True
    )

    assert case.emergency
    assert case.risk == Case.Risk.HIGH
    # Friday 25 September 2026: the next working day is Monday 28 September.
    assert Visit.objects.get(case=case).due_on == dt.date(2026, 9, 28)
    moved = case_transition_by_person(
        actor=director(), case=case, to_status=S.IN_SERVICE, expected_version=case.version
    )
    assert moved.status == S.IN_SERVICE


def test_it_refuses_a_move_based_on_an_old_version() -> None:
    case = make_case()
    case_transition_by_person(
        actor=director(), case=case, to_status=S.ASSESSMENT, expected_version=case.version
    )

    with pytest.raises(ConcurrentEdit, match="刷新"):
        case_transition_by_person(
            actor=director(), case=case, to_status=S.PLANNING, expected_version=1
        )

    case.refresh_from_db()
    assert case.status == S.ASSESSMENT


@pytest.mark.parametrize("reason", [r for r in CloseReason.values if r != CloseReason.OTHER])
def test_it_closes_a_case_for_each_reason(reason: str) -> None:
    case = make_case()

    closed = case_close_by_person(
        actor=director(), case=case, reason=reason, expected_version=case.version
    )

    assert closed.status == S.CLOSED
    assert closed.close_reason == reason
    assert closed.closed_at is not None
    entry = AuditEntry.objects.get(verb=Verb.CASE_CLOSED, object_id=str(case.pk))
    assert entry.changes["close_reason"] == reason


def test_closing_for_another_reason_needs_a_note() -> None:
    case = make_case()

    with pytest.raises(TransitionNotAllowed) as refused:
        case_close_by_person(
            actor=director(), case=case, reason=CloseReason.OTHER, expected_version=case.version
        )

    assert refused.value.field == "note"
    case.refresh_from_db()
    assert case.status == S.INTAKE
    closed = case_close_by_person(
        actor=director(),
        case=case,
        reason=CloseReason.OTHER,
        note="儿童随父母出国",
        expected_version=case.version,
    )
    assert closed.close_note == "儿童随父母出国"


def test_it_refuses_an_unknown_close_reason() -> None:
    case = make_case()

    with pytest.raises(TransitionNotAllowed):
        case_close_by_person(actor=director(), case=case, reason="bored", expected_version=None)


def test_it_reopens_a_closed_case_as_a_new_one_pointing_back() -> None:
    case = make_case()
    case_close_by_person(
        actor=director(), case=case, reason=CloseReason.PLAN_COMPLETE, expected_version=None
    )
    case.refresh_from_db()

    new = case_reopen_by_person(actor=director(), case=case, reason="再次发现监护不当")

    assert new.pk != case.pk
    assert new.reopened_from == case
    assert new.status == S.INTAKE
    case.refresh_from_db()
    assert case.status == S.CLOSED  # the closed case stays as it was
    assert AuditEntry.objects.filter(verb=Verb.CASE_REOPENED, object_id=str(new.pk)).exists()


def test_it_refuses_to_reopen_an_open_case_or_without_a_reason() -> None:
    case = make_case()
    with pytest.raises(TransitionNotAllowed):
        case_reopen_by_person(actor=director(), case=case, reason="再次")
    case_close_by_person(actor=director(), case=case, reason="moved_out", expected_version=None)
    case.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as refused:
        case_reopen_by_person(actor=director(), case=case, reason="  ")
    assert refused.value.field == "reason"


def test_it_refuses_to_reopen_when_the_child_has_another_open_case() -> None:
    case = make_case()
    case_close_by_person(actor=director(), case=case, reason="moved_out", expected_version=None)
    case.refresh_from_db()
    other = make_case(case.child)

    with pytest.raises(CaseAlreadyOpen) as refused:
        case_reopen_by_person(actor=director(), case=case, reason="再次")

    assert refused.value.extra["existing_case_id"] == other.pk


def test_it_refuses_a_second_open_case_naming_the_first() -> None:
    child = make_child()
    first = case_open_by_person(actor=director(), child=child, reason="入户发现")

    with pytest.raises(CaseAlreadyOpen) as refused:
        case_open_by_person(actor=director(), child=child, reason="再开一次")

    assert refused.value.extra["existing_case_id"] == first.pk
    assert Case.objects.filter(child=child).count() == 1


def test_two_openings_racing_past_the_check_leave_one_case() -> None:
    child = make_child()
    make_case(child)

    # The second opening saw no open case (the first had not committed): the partial
    # unique index refuses it and the service says so in words.
    with (
        mock.patch.object(QuerySet, "exists", return_value=False),
        pytest.raises(CaseAlreadyOpen),
    ):
        case_open(actor=director(), child=child, source=Case.Source.MANUAL, reason="同时开案")

    assert Case.objects.filter(child=child).count() == 1


def test_it_needs_a_reason_to_open_a_case() -> None:
    with pytest.raises(ValidationFailed) as refused:
        case_open_by_person(actor=director(), child=make_child(), reason=" ")
    assert "reason" in refused.value.errors


def test_it_records_the_opening_in_the_audit_log() -> None:
    actor = director()
    case = case_open_by_person(actor=actor, child=make_child(), reason="入户发现")

    entry = AuditEntry.objects.get(verb=Verb.CASE_OPENED, object_id=str(case.pk))
    assert entry.actor == actor
    assert entry.child_id == case.child_id
    assert entry.changes["source"] == Case.Source.MANUAL


# -- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("make_actor", [director, supervisor, county_officer])
def test_casework_roles_open_and_work_cases(make_actor) -> None:
    actor = make_actor()
    case = case_open_by_person(actor=actor, child=make_child(), reason="入户发现")

    moved = case_transition_by_person(
        actor=actor, case=case, to_status=S.ASSESSMENT, expected_version=case.version
    )
    assert moved.status == S.ASSESSMENT
    assert case_close_by_person(actor=actor, case=moved, reason="moved_out", expected_version=None)


def test_a_department_officer_opens_only_by_referral_of_their_department() -> None:
    officer = department_officer()
    child = make_child()

    with pytest.raises(PermissionRefused) as refused:
        case_open_by_person(actor=officer, child=child, reason="学校发现", source="manual")
    assert refused.value.field == "source"
    assert not Case.objects.filter(child=child).exists()

    case = case_open_by_person(
        actor=officer,
        child=child,
        reason="学校发现长期缺课",
        source="referral",
        department="police",
    )
    assert case.source == Case.Source.REFERRAL
    assert case.referred_by_department == Department.EDUCATION  # their own, whatever was sent


def test_a_department_officer_does_not_work_cases() -> None:
    case = make_case()

    with pytest.raises(PermissionRefused):
        case_transition_by_person(
            actor=department_officer(), case=case, to_status=S.ASSESSMENT, expected_version=None
        )

    case.refresh_from_db()
    assert case.status == S.INTAKE


def test_a_director_records_a_referral_by_a_named_department() -> None:
    case = case_open_by_person(
        actor=director(),
        child=make_child(),
        reason="派出所转来",
        source="referral",
        department=Department.PUBLIC_SECURITY,
    )
    assert case.referred_by_department == Department.PUBLIC_SECURITY

    with pytest.raises(ValidationFailed) as refused:
        case_open_by_person(
            actor=director(), child=make_child(name="李四"), reason="转来", source="referral"
        )
    assert "department" in refused.value.errors


def test_nobody_opens_a_case_as_a_category_entry_by_hand() -> None:
    with pytest.raises(ValidationFailed):
        case_open_by_person(actor=director(), child=make_child(), reason="x", source="category")


@pytest.mark.parametrize(
    "make_actor",
    [
        social_worker,
        lambda: make_user(Role.CITY_ANALYST, "5115"),
        lambda: make_user(Role.ADMIN, ""),
    ],
    ids=["social_worker", "city_analyst", "admin"],
)
def test_roles_without_casework_neither_open_nor_move_cases(make_actor) -> None:
    actor = make_actor()
    child = make_child()
    with pytest.raises(PermissionRefused):
        case_open_by_person(actor=actor, child=child, reason="x")
    case = make_case(child)
    with pytest.raises(PermissionRefused):
        case_transition_by_person(
            actor=actor, case=case, to_status=S.ASSESSMENT, expected_version=None
        )
    with pytest.raises(PermissionRefused):
        case_close_by_person(actor=actor, case=case, reason="moved_out", expected_version=None)
    case.refresh_from_db()
    assert case.status == S.INTAKE


def test_a_director_elsewhere_cannot_touch_a_case_out_of_reach() -> None:
    elsewhere = director(OTHER_COUNTY_VILLAGE)
    child = make_child()
    with pytest.raises(PermissionRefused):
        case_open_by_person(actor=elsewhere, child=child, reason="x")
    case = make_case(child)
    with pytest.raises(PermissionRefused):
        case_transition_by_person(
            actor=elsewhere, case=case, to_status=S.ASSESSMENT, expected_version=None
        )
    case.refresh_from_db()
    assert case.status == S.INTAKE
