"""Work list selectors: who sees which items, in what order, with which counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.cases.clocks import Due
from hehu.cases.models import CaseReferral, Level, WorkItem
from hehu.cases.services.workitems import rule, work_item_open
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_child,
    make_organisation,
    social_worker,
    supervisor,
)
from hehu.cases.worklist import worklist_counts, worklist_for, worklist_page_items, worklist_rows

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)  # a Tuesday


def item(
    days: int,
    *,
    village: str = VILLAGE,
    origin: Level = Level.VILLAGE,
    level: Level | None = None,
    kind: str = WorkItem.Kind.VISIT,
    case=None,
) -> WorkItem:
    """An open item due `days` after TODAY (negative: overdue), raised to `level`."""
    case = case or make_case(make_child(village))
    WorkItem.objects.filter(case=case).update(status=WorkItem.Status.CANCELLED)
    made = work_item_open(
        kind=kind,
        child_id=case.child_id,
        region_code=case.region_code,
        level=origin,
        due=Due(TODAY + dt.timedelta(days=days)),
        rule=rule("开案后 5 个工作日内首次走访", "first visit within 5 working days"),
        object_type="case",
        object_id=case.pk,
        case_id=case.pk,
    )
    if level is not None:
        made.level = level
        made.save(update_fields=["level"])
    return made


def ids(user, view: str = "mine", **kw) -> list[int]:
    return list(worklist_for(user=user, as_of=TODAY, view=view, **kw).values_list("id", flat=True))


def test_it_lists_overdue_first_then_by_due_date_within_the_horizon():
    later = item(5)
    overdue = item(-3)
    today = item(0)
    item(30)  # beyond the two-week horizon

    assert ids(director()) == [overdue.pk, today.pk, later.pk]


def test_an_escalated_item_is_visible_at_both_levels():
    raised = item(-10, level=Level.TOWNSHIP)
    own = item(2, origin=Level.TOWNSHIP)

    assert ids(director()) == [raised.pk]
    assert ids(supervisor()) == [raised.pk, own.pk]
    assert ids(supervisor(), "escalated") == [raised.pk]
    assert ids(county_officer()) == []
    assert ids(county_officer(), "all") == [raised.pk, own.pk]


def test_it_shows_items_raised_beyond_ones_level_under_escalated():
    raised = item(-20, level=Level.COUNTY)

    assert ids(supervisor(), "escalated") == [raised.pk]
    assert ids(supervisor()) == []
    assert ids(county_officer()) == [raised.pk]
    city = make_user(Role.CITY_ANALYST, "5115")
    assert ids(city, "escalated") == []  # not (yet) raised to the city
    assert ids(city, "all") == [raised.pk]


def test_a_director_elsewhere_sees_nothing():
    item(-3)
    item(-3, level=Level.TOWNSHIP)

    elsewhere = director(OTHER_COUNTY_VILLAGE)
    for view in ("mine", "escalated", "all"):
        assert ids(elsewhere, view) == []
    assert ids(county_officer(OTHER_COUNTY_VILLAGE), "all") == []


def test_a_director_does_not_see_the_townships_own_items():
    item(1, origin=Level.TOWNSHIP)

    assert ids(director(), "all") == []


def test_roles_without_the_permission_see_nothing():
    item(-3)

    for role, prefix in ((Role.ADMIN, ""), (Role.PROVINCE_ANALYST, "51")):
        assert ids(make_user(role, prefix), "all") == []


def test_a_department_officer_has_no_work_list_of_civil_affairs_clocks():
    item(1, origin=Level.COUNTY, kind=WorkItem.Kind.PLAN_APPROVAL)

    assert ids(department_officer()) == []


def test_a_social_worker_sees_only_items_of_cases_referred_to_the_organisation():
    # Social workers lack VIEW_WORKLIST in the role table: until they have it, nothing.
    org = make_organisation()
    case = make_case()
    CaseReferral.objects.create(
        case=case, organisation=org, referred_by=supervisor(), referred_at=timezone.now()
    )
    item(1, case=case)
    assert ids(social_worker(org)) == []


def test_it_filters_by_kind():
    visit = item(1)
    plan = item(2, kind=WorkItem.Kind.PLAN)

    assert ids(director(), kind=WorkItem.Kind.PLAN) == [plan.pk]
    assert ids(director(), kind=WorkItem.Kind.VISIT) == [visit.pk]


def test_it_counts_overdue_and_kinds_in_one_query(django_assert_num_queries):
    item(-1)
    item(-2, kind=WorkItem.Kind.ASSESSMENT)
    item(3)
    user = director()
    user.prefixes  # noqa: B018 - the jurisdiction is read once per request, not counted here

    with django_assert_num_queries(1):
        counts = worklist_counts(items=worklist_for(user=user, as_of=TODAY), as_of=TODAY)

    assert (counts.total, counts.overdue, counts.due_this_week) == (3, 2, 1)
    assert counts.by_kind == {"visit": 2, "assessment": 1}


def test_a_page_of_rows_costs_two_queries_whatever_its_length(django_assert_max_num_queries):
    for days in range(-5, 10):
        item(days)
    user = director()
    user.prefixes  # noqa: B018

    with django_assert_max_num_queries(2):
        page = list(worklist_page_items(worklist_for(user=user, as_of=TODAY))[:25])
        rows = worklist_rows(items=page, user=user, as_of=TODAY)

    assert len(rows) == 15
    first = rows[0]
    assert first.overdue
    assert first.days_text == "已逾期 3 个工作日"  # 5 Mar (Thu) → 10 Mar (Tue)
    assert first.rule == "开案后 5 个工作日内首次走访"
    assert first.url == f"/cases/{first.item.case_id}/visits/record/"
    assert first.region_name


def test_a_row_shows_the_escalation_to_both_levels():
    item(-10, level=Level.TOWNSHIP)

    for user in (director(), supervisor()):
        page = list(worklist_page_items(worklist_for(user=user, as_of=TODAY)))
        (row,) = worklist_rows(items=page, user=user, as_of=TODAY)
        assert row.escalated
        assert row.escalated_text == "已升级至乡镇"


def test_a_protection_matter_is_named_neutrally_to_roles_outside_casework():
    # Long overdue, it has reached the city, whose analysts do not see case notes.
    item(-40, origin=Level.COUNTY, level=Level.CITY, kind=WorkItem.Kind.GUARDIANSHIP_ABSENT)

    analyst = make_user(Role.CITY_ANALYST, VILLAGE[:4])
    page = list(worklist_page_items(worklist_for(user=analyst, as_of=TODAY)))
    (row,) = worklist_rows(items=page, user=analyst, as_of=TODAY)
    assert row.kind_label == "个案处置事项"
    assert row.rule == ""
    county = county_officer()
    page = list(worklist_page_items(worklist_for(user=county, as_of=TODAY)))
    (row,) = worklist_rows(items=page, user=county, as_of=TODAY)
    assert row.kind_label == "处置监护缺失"


def test_a_city_analyst_sees_an_escalated_item_without_who_the_child_is():
    escalated = item(-40, level=Level.CITY)
    analyst = make_user(Role.CITY_ANALYST, VILLAGE[:4])

    page = list(worklist_page_items(worklist_for(user=analyst, as_of=TODAY)))
    (row,) = worklist_rows(items=page, user=analyst, as_of=TODAY)
    assert row.child_name == f"个案 C{escalated.case_id:06d}"
    assert row.child_id is None
    assert row.url == ""


def test_a_department_sees_what_its_own_protection_items_are():
    from hehu.accounts.models import Department

    police_item = item(1, origin=Level.COUNTY, level=Level.COUNTY, kind=WorkItem.Kind.REPORT_POLICE)
    police_item.department = "public_security"
    police_item.save(update_fields=["department"])
    police = make_user(Role.DEPARTMENT_OFFICER, VILLAGE[:6], department=Department.PUBLIC_SECURITY)
    page = list(worklist_page_items(worklist_for(user=police, as_of=TODAY)))
    (row,) = worklist_rows(items=page, user=police, as_of=TODAY)
    assert row.kind_label == "受理强制报告并反馈"
    # Education neither lists it nor, if it did, would learn what it is.
    education = make_user(Role.DEPARTMENT_OFFICER, VILLAGE[:6], department=Department.EDUCATION)
    assert list(worklist_for(user=education, as_of=TODAY)) == []
    (row,) = worklist_rows(items=page, user=education, as_of=TODAY)
    assert row.kind_label == "个案处置事项"
