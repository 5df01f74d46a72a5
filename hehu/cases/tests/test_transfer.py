"""A child who moves takes the case along: the new village has it, with its history and its
open work, and the old village no longer sees it."""

from __future__ import annotations

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.clocks import Due
from hehu.cases.errors import CaseClosed
from hehu.cases.models import Case, CaseTransition, Level, WorkItem
from hehu.cases.selectors import cases_visible_to
from hehu.cases.services.case_actions import case_close_by_person
from hehu.cases.services.transfer import case_transfer
from hehu.cases.services.workitems import rule, work_item_open
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    county_officer,
    director,
    make_case,
)
from hehu.core.errors import ValidationFailed
from hehu.regions.tests.factories import region
from hehu.registry.facts import child_to_data
from hehu.registry.services import child_update
from hehu.registry.tests.factories import replace

pytestmark = pytest.mark.django_db

NEW_VILLAGE = "511502100201"  # same county, town 100, village 201


def _township_item(case: Case) -> WorkItem:
    return work_item_open(
        kind=WorkItem.Kind.PLAN_REVIEW,
        child_id=case.child_id,
        region_code=case.region_code,
        level=Level.TOWNSHIP,
        due=Due(case.opened_at.date()),
        rule=rule("乡镇审核", "township review"),
        object_type="case",
        object_id=case.pk,
        case_id=case.pk,
    )


def test_it_moves_the_case_and_its_open_work_to_the_new_village() -> None:
    case = make_case()
    township = _township_item(case)
    old_director, new_director = director(), director(NEW_VILLAGE)
    assert list(cases_visible_to(user=old_director)) == [case]

    moved = case_transfer(actor=county_officer(), case=case, region=region(NEW_VILLAGE))

    assert (moved.region_id, moved.region_code) == (NEW_VILLAGE, NEW_VILLAGE)
    assert moved.status == Case.Status.INTAKE  # the flow goes on where it was
    assert moved.version == case.version + 1
    village_items = WorkItem.objects.filter(case=case, origin_level=Level.VILLAGE)
    assert {i.region_code for i in village_items} == {NEW_VILLAGE}
    township.refresh_from_db()
    assert township.region_code == "511502100000"
    assert list(cases_visible_to(user=new_director)) == [case]
    assert not cases_visible_to(user=old_director).exists()
    assert CaseTransition.objects.filter(case=case).count() == 1  # history kept, nothing added
    entry = AuditEntry.objects.get(verb=Verb.CASE_TRANSFERRED)
    assert entry.changes["region_code"] == [VILLAGE, NEW_VILLAGE]


def test_it_leaves_done_work_where_it_was_done() -> None:
    case = make_case()
    WorkItem.objects.filter(case=case, kind=WorkItem.Kind.ASSESSMENT).update(status="done")

    case_transfer(actor=None, case=case, region=region(NEW_VILLAGE))

    done = WorkItem.objects.get(case=case, kind=WorkItem.Kind.ASSESSMENT)
    assert done.region_code == VILLAGE


def test_a_transfer_to_the_same_village_changes_nothing() -> None:
    case = make_case()
    same = case_transfer(actor=None, case=case, region=region(VILLAGE))
    assert same.version == case.version
    assert not AuditEntry.objects.filter(verb=Verb.CASE_TRANSFERRED).exists()


def test_it_refuses_to_move_a_closed_case_or_to_a_township() -> None:
    case = make_case()
    with pytest.raises(ValidationFailed):
        case_transfer(actor=None, case=case, region=region("511502100000"))
    closed = case_close_by_person(
        actor=director(), case=case, reason="moved_out", expected_version=None
    )
    with pytest.raises(CaseClosed):
        case_transfer(actor=None, case=closed, region=region(NEW_VILLAGE))


@pytest.mark.parametrize("new_village", [NEW_VILLAGE, OTHER_COUNTY_VILLAGE])
def test_a_change_of_residence_moves_the_case(
    new_village: str, django_capture_on_commit_callbacks
) -> None:
    case = make_case()
    child = case.child
    officer = county_officer()
    region(new_village)
    data = replace(child_to_data(child), region_code=new_village)

    with django_capture_on_commit_callbacks(execute=True):
        child_update(actor=officer, child=child, data=data, expected_version=child.version)

    case.refresh_from_db()
    assert case.region_code == new_village
    assert set(WorkItem.objects.filter(case=case).values_list("region_code", flat=True)) == {
        new_village
    }
    entry = AuditEntry.objects.get(verb=Verb.CASE_TRANSFERRED)
    assert entry.actor is None  # the system followed the child
    assert list(cases_visible_to(user=director(new_village))) == [case]


def test_another_change_of_the_file_leaves_the_case_where_it_is(
    django_capture_on_commit_callbacks,
) -> None:
    case = make_case()
    child = case.child
    data = replace(child_to_data(child), guardian_phone="13800000000")

    with django_capture_on_commit_callbacks(execute=True):
        child_update(actor=county_officer(), child=child, data=data, expected_version=child.version)

    case.refresh_from_db()
    assert case.region_code == VILLAGE
    assert not AuditEntry.objects.filter(verb=Verb.CASE_TRANSFERRED).exists()
