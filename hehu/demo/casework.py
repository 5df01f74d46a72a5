"""Demo casework for the Yibin demo (DEMO ONLY): cases, visits, assessments, plans and
recognition applications, so that the demo accounts open work lists with something on them.

Everything goes through the real services (they validate, audit and start the clocks), with
the demo accounts as actors. Only one thing is done by hand: the services stamp "now", and
the demo shows casework that began weeks ago, so a few openings (and the clocks they set)
are moved back directly — each place says so. Deterministic: the children who play a part
are generated children of the demo county picked by village and id; their files are given
the part (a family moved into the village, parents dead or in prison) through the registry
service, so the demo's counts of children, parents and classifications stay as generated.

What each account sees afterwards (as of `as_of`):
- director (village 511502001001): a visit overdue for a month on a child assessed
  "guardianship absent" (escalated up to the city), a first visit overdue and escalated to
  the township, a new orphan/de facto unattended case with its first visit due, a plan in
  service and one awaiting the county;
- supervisor (township 511502001): the escalated items, a recognition application waiting
  for the township's verification (received 10 working days ago);
- county (511502): a plan to approve, an application to decide whose deadline has passed
  (escalated), the "guardianship absent" alert, and every case the sweep opened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from hehu.accounts.demo import DEMO_ORGANISATION
from hehu.accounts.models import Organisation, User
from hehu.cases.clocks import working_days_after, working_days_before
from hehu.cases.models import Assessment, Case, CaseTransition, ServicePlan, Visit, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.services.assessments import assessment_save, assessment_start, assessment_submit
from hehu.cases.services.case_actions import case_open_by_person
from hehu.cases.services.plans import (
    GoalData,
    ItemData,
    plan_approve,
    plan_draft,
    plan_review,
    plan_submit,
    plan_update,
)
from hehu.cases.services.recognition import (
    application_decide,
    application_receive,
    application_verify,
)
from hehu.cases.services.sweep import deadlines_sweep
from hehu.cases.services.visits import visit_record
from hehu.policy.engine.functions import add_months
from hehu.policy.models import ChildClassification
from hehu.policy.services.classify import child_classify
from hehu.regions.models import Region
from hehu.registry.data import ConditionData, ParentData
from hehu.registry.facts.importer import child_to_data
from hehu.registry.models import Child
from hehu.registry.services.children import child_update

COUNTY = "511502"  # the demo county officer's county
VILLAGE = "511502001001"  # the demo director's village
TOWNSHIP = "511502001"  # the demo supervisor's township
# Demo children registered here carry this prefix in their external id (DEMO ONLY).
DEMO_EXTERNAL_ID = "DEMO-CASEWORK-"
# The demo standard for a scattered orphan's basic living allowance, yuan a month.
ORPHAN_ALLOWANCE = Decimal("1651.00")
K = WorkItem.Kind


@dataclass(frozen=True)
class _Actors:
    director: User
    supervisor: User
    county: User
    organisation: Organisation | None


# -- answers valid for the shipped instruments (policies/instruments/) -----------------------

# Guardianship: nobody looks after the child (a red flag) → "absent".
GUARDIANSHIP_ABSENT = {
    "cd_daily_care": "nobody",
    "cd_living": "partly",
    "cd_health": "delayed",
    "cd_schooling": "irregular",
    "cd_wellbeing": "some",
    "cd_injury": "none",
    "gc_guardian": "entrusted_weak",
    "gc_health": "unable",
    "gc_means": "difficult",
    "gc_parenting": "lacking",
    "gc_conduct": "none",
    "gc_contact": "monthly",
    "gs_family": "some",
    "gs_community": "occasional",
    "gs_school": "little",
    "gs_benefits": "partly",
    "gs_home_safety": "hazards",
}
# Guardianship: an elderly grandmother cares as she can → "insufficient" (score 60–80).
GUARDIANSHIP_INSUFFICIENT = {
    "cd_daily_care": "entrusted_adult",
    "cd_living": "partly",
    "cd_health": "good",
    "cd_schooling": "attending",
    "cd_wellbeing": "some",
    "cd_injury": "none",
    "gc_guardian": "entrusted_weak",
    "gc_health": "limited",
    "gc_means": "difficult",
    "gc_parenting": "lacking",
    "gc_conduct": "none",
    "gc_contact": "not_applicable",
    "gs_family": "some",
    "gs_community": "regular",
    "gs_school": "active",
    "gs_benefits": "partly",
    "gs_home_safety": "safe",
}
NEEDS_UNCARED_FOR = {
    "bl_food_clothing": "sometimes_short",
    "bl_income": "not_enough",
    "hm_condition": "healthy",
    "hm_costs": "manageable",
    "rh_need": "not_needed",
    "rh_access": "not_needed",
    "ed_attendance": "irregular",
    "ed_costs": "strained",
    "ps_mood": "low_at_times",
    "ps_behaviour": "normal",
    "fg_care": "absent",
    "fg_relations": "strained",
    "sf_home": "hazards",
    "sf_harm": "some",
    "si_peers": "few",
    "si_activities": "seldom",
}
NEEDS_ORPHAN = {
    "bl_food_clothing": "sometimes_short",
    "bl_income": "not_enough",
    "hm_condition": "healthy",
    "hm_costs": "none",
    "rh_need": "not_needed",
    "rh_access": "not_needed",
    "ed_attendance": "attending",
    "ed_costs": "unaffordable",
    "ps_mood": "low_at_times",
    "ps_behaviour": "some_problems",
    "fg_care": "insufficient",
    "fg_relations": "harmonious",
    "sf_home": "safe",
    "sf_harm": "none",
    "si_peers": "few",
    "si_activities": "seldom",
}


# -- helpers -------------------------------------------------------------------------------------


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=timezone.get_current_timezone())


def _backdate_opening(case: Case, opened: dt.date) -> Case:
    """DEMO ONLY: move a case's opening back to `opened` — its opened_at, its opening
    transition, and the first-visit and assessment clocks the opening started (which the
    services dated from "now"). Real cases are never backdated; the audit trail keeps the
    true time of the opening."""
    Case.objects.filter(pk=case.pk).update(opened_at=_at(opened))
    CaseTransition.objects.filter(case=case, from_status="").update(at=_at(opened))
    region = case.region_code
    first = working_days_after(opened, procedure_value("first_visit_working_days", region, opened))
    Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).update(due_on=first.on)
    WorkItem.objects.filter(case=case, kind=K.VISIT, status=WorkItem.Status.OPEN).update(
        due_on=first.on, provisional=first.provisional
    )
    assess = working_days_after(opened, procedure_value("assessment_working_days", region, opened))
    WorkItem.objects.filter(case=case, kind=K.ASSESSMENT, status=WorkItem.Status.OPEN).update(
        due_on=assess.on, provisional=assess.provisional
    )
    case.refresh_from_db()
    return case


def _visit(actor: User, case: Case, on: dt.date, notes: str, **found: Any) -> Visit:
    values = {
        "living_conditions": "fair",
        "safety": "safe",
        "schooling": "attending",
        "health": "good",
        **found,
    }
    return visit_record(
        actor=actor,
        case=case,
        visited_on=on,
        child_seen=True,
        not_seen_reason="",
        notes=notes,
        **values,
    )


def _assess(actor: User, case: Case, kind: str, answers: dict[str, str], views: str) -> Assessment:
    assessment = assessment_start(actor=actor, case=case, kind=kind)
    assessment = assessment_save(
        actor=actor,
        assessment=assessment,
        answers=answers,
        child_views=views,
        expected_version=assessment.version,
    )
    return assessment_submit(
        actor=actor, assessment=assessment, expected_version=assessment.version
    )


def _plan(
    actor: User, case: Case, summary: str, goals: list[GoalData], items: list[ItemData]
) -> ServicePlan:
    plan = plan_draft(actor=actor, case=case, copy_last=False)
    plan = plan_update(
        actor=actor,
        plan=plan,
        summary=summary,
        goals=goals,
        items=items,
        expected_version=plan.version,
    )
    return plan_submit(actor=actor, plan=plan, expected_version=plan.version)


def _first_of_next_month(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1)


def _pool(day: dt.date) -> list[Child]:
    """Children of the demo county who may play a part: of school age, in no case-opening
    category, those of the director's village first, then of the supervisor's township."""
    opening = set(procedure_value("case_opening_categories", COUNTY, day))
    children = list(
        Child.objects.filter(
            region__code__startswith=COUNTY,
            status=Child.Status.ACTIVE,
            birth_date__gt=add_months(day, -12 * 14),
            birth_date__lte=add_months(day, -12 * 4),
        ).select_related("region")
    )
    categories = dict(
        ChildClassification.objects.filter(child__in=children).values_list("child_id", "categories")
    )
    fit = [c for c in children if not opening & set(categories.get(c.pk, []))]
    fit.sort(key=lambda c: (c.region_id != VILLAGE, not c.region_id.startswith(TOWNSHIP), c.pk))
    return fit


def _take(pool: list[Child], region: str) -> Child | None:
    """The first child of the pool living in `region`, else the first one (None: empty)."""
    found = next((c for c in pool if c.region_id == region), pool[0] if pool else None)
    if found is not None:
        pool.remove(found)
    return found


def _demo_file(
    actor: User,
    child: Child,
    number: int,
    region: str,
    reason: str,
    *,
    father: dict[str, Any] | None = None,
    mother: dict[str, Any] | None = None,
) -> Child:
    """DEMO ONLY: give a generated child the part it plays, through the registry service —
    the family moved to `region` (residence and household registration), and the parents'
    situation when given (e.g. {"vital_status": "dead"}). Labelled by its external id."""
    data = child_to_data(child)
    changes: dict[str, Any] = {
        "region_code": region,
        "hukou_region_code": region,
        "external_id": f"{DEMO_EXTERNAL_ID}{number}",
        "keep_id_number": True,
    }
    if father is not None or mother is not None:
        parents = {p.role: p for p in data.parents}
        for role, situation in (("father", father), ("mother", mother)):
            parent = parents.get(role) or ParentData(role=role)
            fresh: dict[str, Any] = {"migrant_worker": False, "conditions": []}
            parents[role] = dataclasses.replace(parent, **{**fresh, **(situation or {})})
        surname = child.name[:1]
        changes.update(
            parents=[parents["father"], parents["mother"]],
            living_arrangement="with_relatives",
            guardian_name=f"{surname}秀英",
            guardian_relation="grandparent",
            guardian_able_to_care=False,
        )
    child = child_update(
        actor=actor,
        child=child,
        data=dataclasses.replace(data, **changes),
        expected_version=child.version,
        reason=f"（演示）{reason}",
    )
    return Child.objects.select_related("region").get(pk=child.pk)


def _imprisoned(day: dt.date, months_ago: int, term: int, reference: str) -> dict[str, Any]:
    return {
        "conditions": [
            ConditionData(
                type="imprisoned",
                since=add_months(day, -months_ago),
                term_months=term,
                evidence_kind="judgment",
                evidence_reference=f"（演示）{reference}",
            )
        ]
    }


def _actors() -> _Actors:
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    return _Actors(
        director=users["director"],
        supervisor=users["supervisor"],
        county=users["county"],
        organisation=Organisation.objects.filter(name=DEMO_ORGANISATION).first(),
    )


DEMO_USERS = ("director", "supervisor", "county")


# -- the demo ----------------------------------------------------------------------------------


def demo_casework_create(*, as_of: dt.date) -> dict[str, int]:
    """Open the cases of the population run's category entries (the nightly sweep), then
    make a realistic mix of casework in the demo director's village and the supervisor's
    township, and sweep again so that overdue items are escalated. Does nothing when any
    case exists (it belongs to a fresh demo load)."""
    if Case.objects.exists():
        return {}
    with transaction.atomic():
        return _create(as_of)


@dataclass
class _Demo:
    as_of: dt.date
    # Past events are dated before both the demo's date and the real today (the services
    # refuse a visit or an application dated in the future).
    day: dt.date
    who: _Actors
    counts: Counter[str]


def _create(as_of: dt.date) -> dict[str, int]:
    demo = _Demo(as_of, min(as_of, timezone.localdate()), _actors(), Counter())
    who, day = demo.who, demo.day
    other_village = (
        Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=TOWNSHIP, active=True)
        .exclude(code=VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    ) or VILLAGE

    # 1. The children who play a part are generated ones of the demo county (the demo's
    # counts stay as generated): their files are given the part through the registry
    # service, by county civil affairs, and reclassified at once (the registry announces a
    # change only after commit; the sweep below needs the categories now).
    pool = _pool(day)
    uncared = _take(pool, VILLAGE)
    late = _take(pool, VILLAGE)
    orphan = _take(pool, VILLAGE)
    unattended = _take(pool, VILLAGE)
    awaiting = _take(pool, other_village)
    moved = "家庭迁入本村，更新档案"
    if uncared is not None and uncared.region_id != VILLAGE:
        uncared = _demo_file(who.county, uncared, 4, VILLAGE, moved)
    if late is not None and late.region_id != VILLAGE:
        late = _demo_file(who.county, late, 5, VILLAGE, moved)
    if orphan is not None:
        orphan = _demo_file(
            who.county,
            orphan,
            1,
            VILLAGE,
            "父母双亡，随祖母生活（核对死亡证明后更新）",
            father={"vital_status": "dead"},
            mother={"vital_status": "dead"},
        )
    if unattended is not None:
        unattended = _demo_file(
            who.county,
            unattended,
            2,
            VILLAGE,
            "父亲死亡，母亲服刑（核对判决书后更新）",
            father={"vital_status": "dead"},
            mother=_imprisoned(day, 20, 60, "(2025)川1502刑初58号"),
        )
    if awaiting is not None:
        awaiting = _demo_file(
            who.county,
            awaiting,
            3,
            other_village,
            "母亲死亡，父亲服刑（核对判决书后更新）",
            father=_imprisoned(day, 30, 84, "(2024)川1502刑初112号"),
            mother={"vital_status": "dead"},
        )
    for child in (uncared, late, orphan, unattended, awaiting):
        if child is not None:
            child_classify(child=child, as_of=as_of)
            demo.counts["children_given_a_part"] += 1

    # 2. The nightly sweep opens a case for every child who entered a case-opening
    # category (the population run recorded the entries as of `as_of`).
    first = deadlines_sweep(as_of=as_of)
    demo.counts["cases_opened_by_category"] = first.opened

    if orphan is not None:
        _orphan_in_service(demo, orphan)
    if uncared is not None:
        _uncared_for_child(demo, uncared)
    if late is not None:
        _first_visit_late(demo, late)
    if unattended is not None:
        _application_to_verify(demo, unattended)
    if awaiting is not None:
        _application_to_decide(demo, awaiting)

    # 8. The nightly sweep again: overdue items go up a level per grace period.
    last = deadlines_sweep(as_of=as_of)
    demo.counts["escalated"] = last.escalated
    demo.counts["cases"] = Case.objects.count()
    demo.counts["work_items_open"] = WorkItem.objects.filter(status=WorkItem.Status.OPEN).count()
    return dict(demo.counts)


def _category_case(child: Child) -> Case:
    return Case.objects.exclude(status=Case.Status.CLOSED).get(child=child)


def _orphan_in_service(demo: _Demo, orphan: Child) -> None:
    """3. An orphan in service: opened four months ago, visited, assessed ("insufficient":
    an elderly grandmother), recognised by the county, plan approved and in service."""
    who, day, counts = demo.who, demo.day, demo.counts
    case = _backdate_opening(_category_case(orphan), day - dt.timedelta(days=120))
    opened = timezone.localdate(case.opened_at)
    _visit(
        who.director,
        case,
        working_days_after(opened, 3).on,
        "首次入户：祖母罗秀英（73岁）照料，体弱多病；家中生活困难，儿童有些内向。",
        living_conditions="fair",
    )
    counts["visits"] += 1
    accepted = working_days_after(opened, 4).on
    application = application_receive(
        actor=who.supervisor,
        child=orphan,
        kind="orphan",
        applicant_name="罗秀英",
        applicant_relation="祖母",
        applied_on=accepted,
        accepted_on=accepted,
    )
    application = application_verify(
        actor=who.supervisor,
        application=application,
        opinion="confirmed",
        note="经比对公安户籍和死亡证明，父母双亡，情况属实。",
        concluded_on=working_days_after(accepted, 9).on,
    )
    decided = working_days_after(application.township_concluded_on or accepted, 8).on
    application_decide(actor=who.county, application=application, approve=True, decided_on=decided)
    counts["applications"] += 1
    _assess(
        who.director,
        case,
        Assessment.Kind.GUARDIANSHIP,
        GUARDIANSHIP_INSUFFICIENT,
        "想和奶奶一起生活，希望奶奶身体好一些。",
    )
    _assess(
        who.director,
        case,
        Assessment.Kind.NEEDS,
        NEEDS_ORPHAN,
        "想要新书包，想有人教功课。",
    )
    counts["assessments"] += 2
    starts = _first_of_next_month(decided)
    plan = _plan(
        who.director,
        case,
        "以基本生活保障为主，兼顾学业和心理支持（孤儿，散居）。",
        [
            GoalData(need="basic_living", description="按月足额发放孤儿基本生活费"),
            GoalData(need="education", description="保障学习用品，学业不掉队"),
            GoalData(need="psychological", description="缓解孤独感，更愿意与同伴交往"),
        ],
        [
            ItemData(
                kind="cash",
                support="orphan_allowance",
                description="散居孤儿基本生活费（演示标准）",
                frequency="monthly",
                starts_on=starts,
                goal=0,
                provider_department="civil_affairs",
                amount=ORPHAN_ALLOWANCE,
                responsible_id=who.county.pk,
            ),
            ItemData(
                kind="in_kind",
                support="school_supplies",
                description="书包、文具和校服",
                frequency="once",
                starts_on=starts,
                goal=1,
                provider_department="education",
                quantity=Decimal("1"),
                unit="套",
                responsible_name="学校班主任",
            ),
            _counselling(who, starts, goal=2),
        ],
    )
    plan = plan_review(actor=who.supervisor, plan=plan, expected_version=plan.version)
    plan_approve(actor=who.county, plan=plan, expected_version=plan.version)
    counts["plans_approved"] += 1
    _visit(
        who.director,
        case,
        day - dt.timedelta(days=24),
        "复访：生活费已按月到账，学习用品已发放；儿童参加了社工小组活动。",
        living_conditions="good",
    )
    counts["visits"] += 1


def _uncared_for_child(demo: _Demo, child: Child) -> None:
    """4. A child left without care: the director opened a case by hand ten weeks ago and
    visited two months ago; the guardianship assessment found nobody caring for the child
    ("absent": county civil affairs is alerted, and visits become monthly — so the next one
    is already overdue); the plan is reviewed and awaits the county's approval."""
    who, day, counts = demo.who, demo.day, demo.counts
    case = case_open_by_person(
        actor=who.director,
        child=child,
        reason="入户走访发现：照料儿童的祖母住院，儿童白天独自在家，家中缺衣少食。",
    )
    counts["cases_opened_by_hand"] += 1
    case = _backdate_opening(case, day - dt.timedelta(days=70))
    _visit(
        who.director,
        case,
        day - dt.timedelta(days=62),
        "首次入户：祖母住院，儿童独自在家，邻居偶尔送饭；房屋有安全隐患。",
        living_conditions="poor",
        safety="concern",
        schooling="irregular",
    )
    counts["visits"] += 1
    _assess(
        who.director,
        case,
        Assessment.Kind.GUARDIANSHIP,
        GUARDIANSHIP_ABSENT,
        "害怕一个人在家，想让奶奶快点出院。",
    )
    _assess(who.director, case, Assessment.Kind.NEEDS, NEEDS_UNCARED_FOR, "想有人给我做饭。")
    counts["assessments"] += 2
    starts = _first_of_next_month(day)
    plan = _plan(
        who.director,
        case,
        "先落实临时照料和基本生活，再协助家庭恢复监护。",
        [
            GoalData(need="family_guardianship", description="落实委托照护人，儿童不再独自在家"),
            GoalData(need="basic_living", description="保障吃饭穿衣"),
        ],
        [
            ItemData(
                kind="cash",
                support="temporary_assistance",
                description="临时救助金",
                frequency="once",
                starts_on=starts,
                goal=1,
                provider_department="civil_affairs",
                amount=Decimal("2000.00"),
                responsible_id=who.director.pk,
            ),
            ItemData(
                kind="in_kind",
                support="clothing",
                description="冬衣和被褥",
                frequency="once",
                starts_on=starts,
                goal=1,
                provider_department="civil_affairs",
                quantity=Decimal("2"),
                unit="套",
                responsible_id=who.director.pk,
            ),
            _care(who, starts, goal=0),
        ],
    )
    plan_review(actor=who.supervisor, plan=plan, expected_version=plan.version)
    counts["plans_awaiting_approval"] += 1


def _first_visit_late(demo: _Demo, child: Child) -> None:
    """5. A case opened by hand two weeks ago whose first visit is five working days late (the
    sweep below raises it to the township)."""
    who, day, counts = demo.who, demo.day, demo.counts
    case = case_open_by_person(
        actor=who.director,
        child=child,
        reason="学校反映：留守儿童近期成绩下滑、情绪低落，祖父母年迈，需要入户了解。",
    )
    counts["cases_opened_by_hand"] += 1
    _backdate_opening(case, working_days_before(day, 10))


def _application_to_verify(demo: _Demo, unattended: Child) -> None:
    """6. A de facto unattended child: the grandmother applied ten working days ago; the
    township has not verified yet (its 15 working days run)."""
    who, day, counts = demo.who, demo.day, demo.counts
    accepted = working_days_before(day, 10)
    application_receive(
        actor=who.supervisor,
        child=unattended,
        kind="de_facto_unattended",
        applicant_name="唐桂兰",
        applicant_relation="祖母",
        applied_on=accepted,
        accepted_on=accepted,
    )
    counts["applications"] += 1


def _application_to_decide(demo: _Demo, awaiting: Child) -> None:
    """7. Another one, verified by the township four weeks ago: the county's 15 working days
    ran out five working days ago."""
    who, day, counts = demo.who, demo.day, demo.counts
    accepted = working_days_before(day, 36)
    application = application_receive(
        actor=who.supervisor,
        child=awaiting,
        kind="de_facto_unattended",
        applicant_name="曾淑芬",
        applicant_relation="祖母",
        applied_on=accepted,
        accepted_on=accepted,
    )
    application_verify(
        actor=who.supervisor,
        application=application,
        opinion="confirmed",
        note="经比对法院判决和死亡证明：母亲已故，父亲服刑，情况属实。",
        concluded_on=working_days_before(day, 20),
    )
    counts["applications"] += 1


def _counselling(who: _Actors, starts: dt.date, *, goal: int) -> ItemData:
    return ItemData(
        kind="service",
        support="counselling",
        description="社工每两周一次个别辅导，并邀请参加同伴小组",
        frequency="fortnightly",
        starts_on=starts,
        ends_on=add_months(starts, 6) - dt.timedelta(days=1),
        goal=goal,
        **_provider(who),
        responsible_name="赵晓燕（演示）",
    )


def _care(who: _Actors, starts: dt.date, *, goal: int) -> ItemData:
    return ItemData(
        kind="service",
        support="care",
        description="委托邻居照料晚餐和作业，社工每周上门一次",
        frequency="weekly",
        starts_on=starts,
        goal=goal,
        **_provider(who),
        responsible_name="赵晓燕（演示）",
    )


def _provider(who: _Actors) -> dict[str, Any]:
    if who.organisation is not None:
        return {"provider_organisation_id": who.organisation.pk}
    return {"provider_department": "civil_affairs"}
