"""The deadline sweep: escalation by working days, cases opened and closed by the calendar."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Case, CloseReason, Escalation, Level, WorkItem
from hehu.cases.procedures import DEFAULT_DIR, _load
from hehu.cases.services.sweep import (
    cases_open_for_current_categories,
    deadlines_sweep,
    latest_adult_birth_date,
    overdue_cutoff,
)
from hehu.cases.tests.factories import OTHER_COUNTY_VILLAGE, make_case, make_child
from hehu.policy.engine.functions import age_on
from hehu.policy.models import CategoryEvent, ChildClassification, PolicyVersion
from hehu.policy.services.policies import policies_in_force

pytestmark = pytest.mark.django_db

# Due on Tuesday 30 September 2025; 1–8 October is the National Day holiday and Saturday
# 11 October a make-up working day: overdue 1 day on 9 Oct, 3 days on 11 Oct, 4 on 13 Oct.
DUE = dt.date(2025, 9, 30)
NOON = dt.datetime(2025, 9, 20, 4, 0, tzinfo=dt.UTC)


def overdue_visit(due: dt.date = DUE, village: str | None = None) -> WorkItem:
    """A case whose only open item is its first visit, due on `due`."""
    with time_machine.travel(NOON, tick=False):
        case = make_case(make_child(village) if village else None)
    WorkItem.objects.filter(case=case).exclude(kind=WorkItem.Kind.VISIT).update(
        status=WorkItem.Status.CANCELLED
    )
    item = WorkItem.objects.get(case=case, kind=WorkItem.Kind.VISIT)
    item.due_on = due
    item.save(update_fields=["due_on"])
    return item


def level(item: WorkItem) -> str:
    item.refresh_from_db()
    return item.level


def test_it_counts_the_cutoff_in_working_days_across_the_holiday():
    # Anything due from 30 Sep to 8 Oct (holidays) is 4 working days overdue on 13 Oct.
    assert overdue_cutoff(dt.date(2025, 10, 13), 4) == dt.date(2025, 10, 8)
    assert overdue_cutoff(dt.date(2025, 10, 11), 4) == dt.date(2025, 9, 29)


def test_it_escalates_after_the_grace_in_working_days_across_a_holiday():
    item = overdue_visit()

    for day in (dt.date(2025, 10, 1), dt.date(2025, 10, 9), dt.date(2025, 10, 11)):
        deadlines_sweep(as_of=day)
        assert level(item) == Level.VILLAGE, day

    result = deadlines_sweep(as_of=dt.date(2025, 10, 13))

    assert level(item) == Level.TOWNSHIP
    assert result.escalated == 1
    assert result.by_level == {"township": 1}
    step = Escalation.objects.get(item=item)
    assert (step.from_level, step.to_level, step.days_overdue) == ("village", "township", 4)
    assert item.origin_level == Level.VILLAGE
    assert item.escalated_at is not None


def test_it_raises_one_level_per_grace_period_and_stops_at_the_city():
    item = overdue_visit()

    deadlines_sweep(as_of=dt.date(2025, 10, 15))  # 6 working days: still the township
    assert level(item) == Level.TOWNSHIP
    deadlines_sweep(as_of=dt.date(2025, 10, 16))  # 7
    assert level(item) == Level.COUNTY
    deadlines_sweep(as_of=dt.date(2025, 10, 21))  # 10
    assert level(item) == Level.CITY
    deadlines_sweep(as_of=dt.date(2026, 6, 1))
    assert level(item) == Level.CITY

    steps = list(Escalation.objects.filter(item=item).values_list("from_level", "to_level"))
    assert steps == [("village", "township"), ("township", "county"), ("county", "city")]


def test_it_writes_every_step_when_an_item_is_long_overdue():
    item = overdue_visit()

    result = deadlines_sweep(as_of=dt.date(2025, 12, 1))

    assert level(item) == Level.CITY
    assert result.escalated == 1
    assert result.escalations == 3
    assert Escalation.objects.filter(item=item).count() == 3


def test_it_is_idempotent():
    item = overdue_visit()
    deadlines_sweep(as_of=dt.date(2025, 10, 16))
    before = (level(item), Escalation.objects.count(), Case.objects.count())

    result = deadlines_sweep(as_of=dt.date(2025, 10, 16))

    assert (level(item), Escalation.objects.count(), Case.objects.count()) == before
    assert (result.escalated, result.escalations, result.opened, result.closed) == (0, 0, 0, 0)


def test_it_leaves_items_done_or_not_yet_overdue_alone():
    done = overdue_visit()
    done.status = WorkItem.Status.DONE
    done.save(update_fields=["status"])
    later = overdue_visit(due=dt.date(2025, 12, 1))

    deadlines_sweep(as_of=dt.date(2025, 11, 1))

    assert level(done) == Level.VILLAGE
    assert level(later) == Level.VILLAGE
    assert not Escalation.objects.exists()


def test_it_uses_the_grace_of_the_items_region(settings, tmp_path):
    text = (DEFAULT_DIR / "cn-national.yaml").read_text(encoding="utf-8")
    head, tail = text.split("escalation_grace_working_days:", 1)
    tail = tail.replace("- value: 3", "- value: 3\n      - value: 10\n        region: '511524'", 1)
    (tmp_path / "cn-national.yaml").write_text(
        head + "escalation_grace_working_days:" + tail, encoding="utf-8"
    )
    settings.HEHU_PROCEDURE_DIR = str(tmp_path)
    _load.cache_clear()
    here = overdue_visit()
    there = overdue_visit(village=OTHER_COUNTY_VILLAGE)

    deadlines_sweep(as_of=dt.date(2025, 10, 16))

    assert level(here) == Level.COUNTY
    assert level(there) == Level.VILLAGE
    _load.cache_clear()


def _entered(child, category: str, on: dt.date) -> None:
    policies_in_force()
    version = PolicyVersion.objects.first()
    CategoryEvent.objects.create(
        child=child, category=category, kind="entered", on=on, policy_version=version
    )
    ChildClassification.objects.update_or_create(
        child=child,
        defaults={
            "policy_version": version,
            "as_of": on,
            "computed_at": timezone.now(),
            "categories": [category],
            "source": "population",
        },
    )


def test_it_opens_a_case_for_a_child_who_entered_a_case_opening_category():
    child = make_child()
    _entered(child, "orphan", dt.date(2026, 3, 1))
    other = make_child()
    _entered(other, "dibao_child", dt.date(2026, 3, 1))  # not a case-opening category

    result = deadlines_sweep(as_of=dt.date(2026, 3, 2))

    case = Case.objects.get(child=child)
    assert (case.source, case.source_category, case.status) == ("category", "orphan", "intake")
    assert not Case.objects.filter(child=other).exists()
    assert result.opened == 1
    assert WorkItem.objects.filter(case=case, kind=WorkItem.Kind.VISIT).exists()
    assert deadlines_sweep(as_of=dt.date(2026, 3, 2)).opened == 0


def test_it_does_not_reopen_a_case_closed_since_the_entry():
    child = make_child()
    with time_machine.travel(dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC), tick=False):
        _entered(child, "orphan", dt.date(2026, 3, 1))
        deadlines_sweep(as_of=dt.date(2026, 3, 2))
        case = Case.objects.get(child=child)
        from hehu.cases.services.cases import case_close

        case_close(actor=None, case=case, reason=CloseReason.NO_LONGER_NEEDED)

        assert deadlines_sweep(as_of=dt.date(2026, 3, 3)).opened == 0
    assert Case.objects.filter(child=child).count() == 1


def test_it_closes_the_case_of_a_child_on_the_18th_birthday():
    eighteen = make_case(make_child(birth_date=dt.date(2008, 3, 2)))
    seventeen = make_case(make_child(birth_date=dt.date(2008, 3, 3)))

    result = deadlines_sweep(as_of=dt.date(2026, 3, 2))

    eighteen.refresh_from_db()
    seventeen.refresh_from_db()
    assert (eighteen.status, eighteen.close_reason) == ("closed", CloseReason.TURNED_18)
    assert seventeen.status != "closed"
    assert result.closed == 1
    assert not WorkItem.objects.filter(case=eighteen, status="open").exists()


def test_the_adult_birth_date_follows_the_policy_age():
    for as_of in (dt.date(2026, 2, 28), dt.date(2028, 2, 29), dt.date(2026, 3, 1)):
        latest = latest_adult_birth_date(as_of)
        assert age_on(latest, as_of) == 18
        assert age_on(latest + dt.timedelta(days=1), as_of) == 17


def test_it_audits_one_entry_with_the_counts():
    overdue_visit()

    deadlines_sweep(as_of=dt.date(2025, 10, 13))

    entry = AuditEntry.objects.get(verb=Verb.DEADLINES_SWEPT)
    assert entry.changes["escalated"] == 1
    assert entry.changes["as_of"] == "2025-10-13"
    assert set(entry.changes["timings"]) == {"escalate", "open_cases", "close_cases"}


def test_at_first_deployment_every_child_now_in_a_case_opening_category_gets_a_case():
    long_ago = dt.date(2025, 1, 6)  # far beyond the nightly sweep's look-back
    orphan = make_child()
    _entered(orphan, "orphan", long_ago)
    followed = make_child()
    _entered(followed, "de_facto_unattended", long_ago)
    already = make_case(followed)
    poor = make_child()
    _entered(poor, "dibao_child", long_ago)
    adult = make_child(birth_date=dt.date(2008, 3, 1))
    _entered(adult, "orphan", long_ago)

    assert deadlines_sweep(as_of=dt.date(2026, 3, 2)).opened == 0
    assert cases_open_for_current_categories(as_of=dt.date(2026, 3, 2)) == 1

    case = Case.objects.get(child=orphan)
    assert (case.source, case.source_category) == ("category", "orphan")
    assert "孤儿" in case.reason
    assert list(Case.objects.filter(child=followed)) == [already]
    assert not Case.objects.filter(child__in=[poor, adult]).exists()
    assert cases_open_for_current_categories(as_of=dt.date(2026, 3, 2)) == 0
