"""What case management does by itself: a category entry opens a case; a change of the
child's file moves the case and refreshes its risk. Each handler is idempotent."""

from __future__ import annotations

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Case
from hehu.cases.services.subscriptions import categories_entered, child_changed
from hehu.cases.tests.factories import VILLAGE, county_officer, make_case, make_child
from hehu.core.events import CATEGORIES_ENTERED, CHILD_CHANGED, subscribers
from hehu.registry.data import ParentData
from hehu.registry.facts import child_to_data
from hehu.registry.models import Child
from hehu.registry.services import child_register, child_update
from hehu.registry.tests.factories import child_data, replace

pytestmark = pytest.mark.django_db

ORPHAN_PARENTS = [
    ParentData(role="father", vital_status="dead"),
    ParentData(role="mother", vital_status="dead"),
]
TODAY = "2026-03-01"


def test_the_handlers_are_subscribed() -> None:
    assert categories_entered in subscribers(CATEGORIES_ENTERED)
    assert child_changed in subscribers(CHILD_CHANGED)


def test_a_child_classified_as_an_orphan_has_a_case_opened_by_the_system(
    django_capture_on_commit_callbacks,
) -> None:
    officer = county_officer()

    with django_capture_on_commit_callbacks(execute=True):
        child = child_register(actor=officer, data=child_data(parents=ORPHAN_PARENTS))

    case = Case.objects.get(child=child)
    assert case.source == Case.Source.CATEGORY
    assert case.source_category == "orphan"
    assert case.opened_by is None
    assert case.region_code == VILLAGE
    assert case.status == Case.Status.INTAKE
    entry = AuditEntry.objects.get(verb=Verb.CASE_OPENED, object_id=str(case.pk))
    assert entry.actor is None
    assert entry.changes["category"] == "orphan"
    assert case.reason == "儿童纳入“孤儿”类别，系统自动开案。"


def test_a_child_in_no_opening_category_gets_no_case(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        child = child_register(actor=county_officer(), data=child_data())

    assert not Case.objects.filter(child=child).exists()


def test_an_entry_opens_one_case_however_often_it_is_told() -> None:
    child = make_child()

    categories_entered(child_id=child.pk, categories=["orphan"], on=TODAY)
    categories_entered(child_id=child.pk, categories=["orphan"], on=TODAY)

    assert Case.objects.filter(child=child).count() == 1


def test_an_entry_for_a_child_with_an_open_case_opens_nothing() -> None:
    case = make_case()

    categories_entered(child_id=case.child_id, categories=["orphan"], on=TODAY)

    assert list(Case.objects.filter(child=case.child)) == [case]


def test_an_entry_into_a_category_not_listed_opens_nothing() -> None:
    child = make_child()
    categories_entered(child_id=child.pk, categories=["left_behind"], on=TODAY)
    assert not Case.objects.exists()


def test_the_first_listed_category_names_the_case() -> None:
    child = make_child()
    categories_entered(
        child_id=child.pk, categories=["disabled_child", "de_facto_unattended"], on=TODAY
    )
    assert Case.objects.get(child=child).source_category == "de_facto_unattended"


def test_an_inactive_or_missing_file_opens_nothing() -> None:
    child = make_child()
    Child.objects.filter(pk=child.pk).update(status=Child.Status.MERGED)

    categories_entered(child_id=child.pk, categories=["orphan"], on=TODAY)
    categories_entered(child_id=999999, categories=["orphan"], on=TODAY)
    child_changed(child_id=999999)

    assert not Case.objects.exists()


def test_an_entry_with_an_unreadable_date_is_still_handled() -> None:
    child = make_child()
    categories_entered(child_id=child.pk, categories=["orphan"], on="not a date")
    assert Case.objects.filter(child=child).exists()


def test_a_guardianship_grade_of_absent_makes_the_case_high_risk(
    django_capture_on_commit_callbacks,
) -> None:
    case = make_case()
    assert case.risk == Case.Risk.NORMAL
    child = case.child
    data = replace(child_to_data(child), guardianship_grade="absent")

    with django_capture_on_commit_callbacks(execute=True):
        child_update(actor=county_officer(), child=child, data=data, expected_version=child.version)

    case.refresh_from_db()
    assert case.risk == Case.Risk.HIGH
    child_changed(child_id=child.pk)  # told again: nothing more changes
    case.refresh_from_db()
    assert case.risk == Case.Risk.HIGH


def test_a_merged_file_leaves_its_case_alone() -> None:
    case = make_case()
    Child.objects.filter(pk=case.child_id).update(
        status=Child.Status.MERGED, guardianship_grade="absent"
    )

    child_changed(child_id=case.child_id)

    case.refresh_from_db()
    assert case.risk == Case.Risk.NORMAL
