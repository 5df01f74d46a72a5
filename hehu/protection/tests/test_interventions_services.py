"""The guardianship intervention ladder as a service: who may record which step, the
court's 72/24-hour clock, the 6-month order and its review, revocation and restoration
and the facts that follow, the needs-revocation action (CC art. 36)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.clocks import working_days_after, working_days_before
from hehu.cases.models import Level, WorkItem
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    county_officer,
    department_officer,
    director,
    make_child,
    supervisor,
)
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.policy.models import ChildClassification
from hehu.protection.models import InterventionStep
from hehu.protection.services.intervention_rules import StepInput
from hehu.protection.services.interventions import (
    RevocationAlreadyPending,
    intervention_record,
    intervention_revocation_needed,
)
from hehu.registry.data import ParentData
from hehu.registry.models import Child, GuardianRelation, Parent, ParentCondition
from hehu.registry.services import child_register
from hehu.registry.tests.factories import ParentFactory, child_data

pytestmark = pytest.mark.django_db

Step = InterventionStep.Step
Body = InterventionStep.Body
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
TODAY = NOW.date()
COUNTY_CODE = VILLAGE[:6] + "000000"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# -- actors and children ----------------------------------------------------------------------
def officer(department: str, village: str = VILLAGE) -> User:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=department)


def police(village: str = VILLAGE) -> User:
    return officer(Department.PUBLIC_SECURITY, village)


def court(village: str = VILLAGE) -> User:
    return officer(Department.COURT, village)


def procurator(village: str = VILLAGE) -> User:
    return officer(Department.PROCURATORATE, village)


def child_with_parents(village: str = VILLAGE, **kw: Any) -> Child:
    child = make_child(village, **kw)
    ParentFactory(child=child, role=Parent.Role.FATHER)
    ParentFactory(child=child, role=Parent.Role.MOTHER)
    return child


def data(step: str, **kw: Any) -> StepInput:
    values: dict[str, Any] = {
        "step": step,
        "on": TODAY - dt.timedelta(days=1),
        "evidence": "村委会入户发现儿童身上有多处伤痕，邻居证实。",
        "responsible": "张承办",
    }
    if step in (
        Step.REPRIMAND,
        Step.GUIDANCE_ORDER,
        Step.ORDER_GRANTED,
        Step.ORDER_REFUSED,
        Step.ORDER_RENEWED,
        Step.REVOCATION,
        Step.RESTORATION,
    ):
        values["reference"] = "(2026)川1502民保令1号"
    if step in (Step.ORDER_GRANTED, Step.ORDER_RENEWED):
        values["expires_on"] = values["on"] + dt.timedelta(days=90)
    if step in (Step.REVOCATION, Step.RESTORATION):
        values["guardian_role"] = "mother"
    values.update(kw)
    return StepInput(**values)


def record(actor: User, child: Child, step: str, **kw: Any) -> InterventionStep:
    return intervention_record(actor=actor, child=child, data=data(step, **kw))


def applied(child: Child, *, at: dt.datetime = NOW, urgent: bool = False) -> InterventionStep:
    return record(
        county_officer(), child, Step.ORDER_APPLIED, on=None, applied_at=at, urgent=urgent
    )


def granted(child: Child, **kw: Any) -> InterventionStep:
    applied(child)
    return record(court(), child, Step.ORDER_GRANTED, on=TODAY, **kw)


def petition(child: Child, role: str = "mother") -> InterventionStep:
    return record(county_officer(), child, Step.REVOCATION_PETITION, guardian_role=role)


# -- each step by a body that takes it ---------------------------------------------------------
def _prepare(child: Child, step: str) -> None:
    """What must be on record before the step."""
    if step in (Step.ORDER_GRANTED, Step.ORDER_REFUSED):
        applied(child, at=NOW - dt.timedelta(days=1))
    elif step == Step.ORDER_RENEWED:
        applied(child, at=NOW - dt.timedelta(days=3))
        record(court(), child, Step.ORDER_GRANTED, on=TODAY - dt.timedelta(days=2))
    elif step == Step.REVOCATION:
        petition(child)
    elif step == Step.RESTORATION:
        petition(child)
        record(court(), child, Step.REVOCATION, on=TODAY - dt.timedelta(days=2))


LADDER = [
    (Step.WARNING, director, Body.VILLAGE_COMMITTEE),
    (Step.POLICE_REPORT, director, Body.VILLAGE_COMMITTEE),
    (Step.POLICE_REPORT, county_officer, Body.CIVIL_AFFAIRS),
    (Step.REPRIMAND, police, Body.PUBLIC_SECURITY),
    (Step.REPRIMAND, procurator, Body.PROCURATORATE),
    (Step.REPRIMAND, court, Body.COURT),
    (Step.GUIDANCE_ORDER, police, Body.PUBLIC_SECURITY),
    (Step.GUIDANCE_ORDER, court, Body.COURT),
    (Step.ORDER_GRANTED, court, Body.COURT),
    (Step.ORDER_GRANTED, county_officer, Body.COURT),  # a decision civil affairs received
    (Step.ORDER_REFUSED, court, Body.COURT),
    (Step.ORDER_RENEWED, court, Body.COURT),
    (Step.REVOCATION_PETITION, county_officer, Body.CIVIL_AFFAIRS),
    (Step.REVOCATION_PETITION, director, Body.VILLAGE_COMMITTEE),
    (Step.REVOCATION_PETITION, procurator, Body.PROCURATORATE),
    (Step.REVOCATION_PETITION, county_officer, Body.OTHER),  # a relative petitioned
    (Step.REVOCATION, court, Body.COURT),
    (Step.REVOCATION, county_officer, Body.COURT),
    (Step.RESTORATION, court, Body.COURT),
    (Step.LONG_TERM_GUARDIANSHIP, county_officer, Body.CIVIL_AFFAIRS),
    (Step.ADOPTION, county_officer, Body.CIVIL_AFFAIRS),
    (Step.OTHER_LONG_TERM, county_officer, Body.CIVIL_AFFAIRS),
]


@pytest.mark.parametrize(("step", "who", "body"), LADDER)
def test_each_step_is_recorded_by_a_body_that_takes_it(step: str, who: Any, body: str) -> None:
    child = child_with_parents()
    _prepare(child, step)
    actor = who()

    recorded = record(actor, child, step, body=body)

    assert recorded.step == step
    assert recorded.body == body
    assert recorded.recorded_by == actor
    entry = AuditEntry.objects.get(
        verb=Verb.INTERVENTION_RECORDED, object_type="intervention", object_id=str(recorded.pk)
    )
    assert entry.child_id == child.pk
    assert entry.changes["step"] == step
    assert "evidence" not in entry.changes


@pytest.mark.parametrize(
    ("step", "who"),
    [
        (Step.WARNING, director),
        (Step.REPRIMAND, police),
        (Step.REPRIMAND, court),
        (Step.REVOCATION_PETITION, procurator),
        (Step.LONG_TERM_GUARDIANSHIP, county_officer),
        (Step.ORDER_GRANTED, county_officer),
    ],
)
def test_the_body_defaults_to_the_actors_own(step: str, who: Any) -> None:
    child = child_with_parents()
    _prepare(child, step)

    recorded = record(who(), child, step)

    expected = {
        Step.WARNING: Body.VILLAGE_COMMITTEE,
        Step.LONG_TERM_GUARDIANSHIP: Body.CIVIL_AFFAIRS,
        Step.ORDER_GRANTED: Body.COURT,
        Step.REVOCATION_PETITION: Body.PROCURATORATE,
    }.get(step)
    if step == Step.REPRIMAND:
        expected = Body.COURT if who is court else Body.PUBLIC_SECURITY
    assert recorded.body == expected


@pytest.mark.parametrize(
    ("step", "who", "body", "message"),
    [
        # The step is not this body's.
        (Step.REPRIMAND, director, "", "“训诫”由公安机关、人民检察院、人民法院作出"),
        (Step.WARNING, police, "", "“劝阻、制止”由居民委员会、村民委员会作出"),
        (Step.LONG_TERM_GUARDIANSHIP, court, "", "“民政部门长期监护”由民政部门作出"),
        (Step.ORDER_GRANTED, police, "", "“作出人身安全保护令”由人民法院作出"),
        (Step.REVOCATION, director, "", "“撤销监护人资格”由人民法院作出"),
        (Step.REPRIMAND, county_officer, "civil_affairs", "不能由民政部门作出"),
    ],
)
def test_a_step_the_body_does_not_take_is_refused(
    step: str, who: Any, body: str, message: str
) -> None:
    child = child_with_parents()
    _prepare(child, step)

    with pytest.raises(ValidationFailed) as refused:
        record(who(), child, step, body=body)

    assert message in refused.value.errors["body"][0]
    assert not InterventionStep.objects.filter(child=child, step=step).exists()


@pytest.mark.parametrize(
    ("step", "who", "body", "message"),
    [
        (
            Step.REPRIMAND,
            director,
            Body.PUBLIC_SECURITY,
            "您只能登记居民委员会、村民委员会采取的措施",
        ),
        (Step.REPRIMAND, police, Body.COURT, "您只能登记公安机关采取的措施"),
        (Step.ORDER_GRANTED, procurator, Body.COURT, "您只能登记人民检察院采取的措施"),
        (Step.REPRIMAND, county_officer, Body.PUBLIC_SECURITY, "您只能登记民政部门"),
        (Step.WARNING, county_officer, Body.VILLAGE_COMMITTEE, "您只能登记民政部门"),
    ],
)
def test_a_person_who_does_not_work_for_the_body_is_refused(
    step: str, who: Any, body: str, message: str
) -> None:
    child = child_with_parents()
    _prepare(child, step)

    with pytest.raises(PermissionRefused) as refused:
        record(who(), child, step, body=body)

    assert message in str(refused.value.message)
    assert refused.value.field == "body"
    assert not InterventionStep.objects.filter(child=child, step=step).exists()


def test_an_education_officer_records_no_step() -> None:
    """Education acts on the school matters routed to it, not on the ladder."""
    with pytest.raises(PermissionRefused, match="不能登记监护干预措施"):
        record(department_officer(), child_with_parents(), Step.WARNING)


def test_a_role_without_the_permission_is_refused() -> None:
    child = child_with_parents()

    with pytest.raises(PermissionRefused, match="不能登记监护干预措施"):
        record(supervisor(), child, Step.WARNING, body=Body.VILLAGE_COMMITTEE)


def test_a_child_outside_the_county_is_refused() -> None:
    child = child_with_parents(OTHER_COUNTY_VILLAGE)

    with pytest.raises(PermissionRefused, match="不在您的管辖范围内"):
        record(police(), child, Step.REPRIMAND)
    assert not InterventionStep.objects.exists()


def test_a_director_records_only_in_their_own_village() -> None:
    child = child_with_parents("511502001002")

    with pytest.raises(PermissionRefused):
        record(director(), child, Step.WARNING)


# -- what every step needs -------------------------------------------------------------------
def test_every_missing_part_is_named_at_once() -> None:
    child = child_with_parents()

    with pytest.raises(ValidationFailed) as refused:
        record(
            court(),
            child,
            Step.REPRIMAND,
            on=TODAY + dt.timedelta(days=1),
            evidence=" ",
            responsible="",
            reference="",
        )

    errors = refused.value.errors
    assert errors["on"] == ["日期不能晚于今天。"]
    assert errors["evidence"] == ["请填写证据与事实：依据什么材料、发现了什么。"]
    assert errors["responsible"] == ["请填写承办人姓名。"]
    assert errors["reference"] == ["“训诫”是法律文书，请填写文书编号。"]


def test_a_step_without_a_date_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        record(director(), child_with_parents(), Step.WARNING, on=None)

    assert refused.value.errors == {"on": ["请填写措施的日期。"]}


def test_a_warning_needs_no_document_reference() -> None:
    step = record(director(), child_with_parents(), Step.WARNING)

    assert step.reference == ""


# -- protection orders: the court's clock ------------------------------------------------------
def test_an_application_gives_the_court_72_hours_from_its_time() -> None:
    child = child_with_parents()
    at = NOW - dt.timedelta(hours=5)

    step = applied(child, at=at)

    assert step.decision_due_at == at + dt.timedelta(hours=72)
    assert step.on == TODAY
    item = WorkItem.objects.get(kind=WorkItem.Kind.ORDER_DECISION)
    assert item.due_at == at + dt.timedelta(hours=72)
    assert item.due_on == dt.date(2026, 3, 7)
    assert item.department == "court"
    assert item.level == Level.COUNTY
    assert item.region_code == COUNTY_CODE
    assert item.child_id == child.pk
    assert (item.object_type, item.object_id) == ("intervention", step.pk)
    assert "72 小时内" in item.rule["zh"]


def test_an_urgent_application_gives_the_court_24_hours() -> None:
    step = applied(child_with_parents(), urgent=True)

    assert step.urgent
    assert step.decision_due_at == NOW + dt.timedelta(hours=24)
    item = WorkItem.objects.get(kind=WorkItem.Kind.ORDER_DECISION)
    assert item.due_at == NOW + dt.timedelta(hours=24)
    assert item.rule["zh"].startswith("情况紧急，")


def test_the_clock_runs_from_the_application_time_wherever_the_clock_is_read() -> None:
    child = child_with_parents()
    late_evening = dt.datetime(2026, 3, 3, 23, 30, tzinfo=SHANGHAI)

    step = applied(child, at=late_evening)

    assert step.on == dt.date(2026, 3, 3)  # the local day, not UTC's
    assert step.decision_due_at == late_evening + dt.timedelta(hours=72)


def test_an_application_needs_its_time_and_not_a_future_one() -> None:
    child = child_with_parents()
    with pytest.raises(ValidationFailed) as missing:
        record(county_officer(), child, Step.ORDER_APPLIED, applied_at=None)
    with pytest.raises(ValidationFailed) as future:
        record(
            county_officer(),
            child,
            Step.ORDER_APPLIED,
            on=None,
            applied_at=NOW + dt.timedelta(hours=1),
        )

    assert "几点几分" in missing.value.errors["applied_at"][0]
    assert future.value.errors["applied_at"] == ["申请时间不能晚于现在。"]


def test_a_second_application_waits_for_the_first_decision() -> None:
    child = child_with_parents()
    applied(child)

    with pytest.raises(ValidationFailed) as refused:
        applied(child)

    assert "等待法院裁定" in refused.value.errors["step"][0]


def test_a_decision_answers_the_application_and_stops_the_clock() -> None:
    child = child_with_parents()
    application = applied(child)

    decision = record(court(), child, Step.ORDER_REFUSED, on=TODAY)

    assert decision.answers == application
    item = WorkItem.objects.get(kind=WorkItem.Kind.ORDER_DECISION)
    assert item.status == WorkItem.Status.DONE
    assert not WorkItem.objects.filter(kind=WorkItem.Kind.ORDER_EXPIRY).exists()


def test_a_decision_without_an_application_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        record(court(), child_with_parents(), Step.ORDER_GRANTED)

    assert refused.value.errors["step"] == [
        "没有等待裁定的人身安全保护令申请：请先登记申请，再登记裁定。"
    ]


def test_a_decision_before_the_application_is_refused() -> None:
    child = child_with_parents()
    applied(child)

    with pytest.raises(ValidationFailed) as refused:
        record(court(), child, Step.ORDER_GRANTED, on=TODAY - dt.timedelta(days=1))

    assert refused.value.errors["on"] == ["裁定日期不能早于申请日期（2026年3月4日）。"]


# -- the order's six months and its review ----------------------------------------------------
def test_an_order_may_last_six_months() -> None:
    order = granted(child_with_parents(), expires_on=dt.date(2026, 9, 4))

    assert order.expires_on == dt.date(2026, 9, 4)


def test_an_order_longer_than_six_months_is_refused() -> None:
    child = child_with_parents()
    applied(child)

    with pytest.raises(ValidationFailed) as refused:
        record(court(), child, Step.ORDER_GRANTED, on=TODAY, expires_on=dt.date(2026, 9, 5))

    assert refused.value.errors["expires_on"] == [
        "人身安全保护令的有效期不超过 6 个月（反家庭暴力法第三十条），最晚至 2026年9月4日。"
    ]
    assert not InterventionStep.objects.filter(step=Step.ORDER_GRANTED).exists()


def test_an_order_needs_its_expiry_after_its_date() -> None:
    child = child_with_parents()
    applied(child)
    with pytest.raises(ValidationFailed) as missing:
        record(court(), child, Step.ORDER_GRANTED, on=TODAY, expires_on=None)
    with pytest.raises(ValidationFailed) as before:
        record(court(), child, Step.ORDER_GRANTED, on=TODAY, expires_on=TODAY)

    assert missing.value.errors["expires_on"] == ["请填写人身安全保护令的有效期至哪一天。"]
    assert before.value.errors["expires_on"] == ["有效期应晚于作出保护令的日期。"]


def test_a_granted_order_opens_its_review_for_civil_affairs_before_expiry() -> None:
    child = child_with_parents()
    order = granted(child, expires_on=dt.date(2026, 6, 30))

    item = WorkItem.objects.get(kind=WorkItem.Kind.ORDER_EXPIRY)
    assert item.due_on == working_days_before(dt.date(2026, 6, 30), 10)
    assert item.department == "civil_affairs"
    assert item.level == Level.COUNTY
    assert (item.object_type, item.object_id) == ("intervention", order.pk)
    assert "2026年6月30日 到期" in item.rule["zh"]


def test_a_renewal_needs_a_granted_order() -> None:
    child = child_with_parents()
    applied(child)
    record(court(), child, Step.ORDER_REFUSED, on=TODAY)

    with pytest.raises(ValidationFailed) as refused:
        record(court(), child, Step.ORDER_RENEWED, on=TODAY)

    assert refused.value.errors["step"] == ["没有已作出的人身安全保护令，不能延长。"]


def test_a_renewal_moves_the_review_to_the_new_expiry() -> None:
    child = child_with_parents()
    first = granted(child, expires_on=dt.date(2026, 4, 30))

    renewal = record(court(), child, Step.ORDER_RENEWED, on=TODAY, expires_on=dt.date(2026, 9, 4))

    assert renewal.answers == first
    reviews = WorkItem.objects.filter(kind=WorkItem.Kind.ORDER_EXPIRY)
    assert reviews.get(object_id=first.pk).status == WorkItem.Status.DONE
    assert reviews.get(object_id=renewal.pk).status == WorkItem.Status.OPEN


def test_an_expired_order_cannot_be_renewed() -> None:
    child = child_with_parents()
    applied(child, at=NOW - dt.timedelta(days=40))
    record(
        court(),
        child,
        Step.ORDER_GRANTED,
        on=TODAY - dt.timedelta(days=39),
        expires_on=TODAY - dt.timedelta(days=2),
    )

    with pytest.raises(ValidationFailed) as refused:
        record(court(), child, Step.ORDER_RENEWED, on=TODAY)

    assert "已于 2026年3月2日 到期" in refused.value.errors["on"][0]


# -- revocation and restoration ----------------------------------------------------------------
def test_a_revocation_without_a_petition_is_refused_unless_a_court_records_it() -> None:
    child = child_with_parents()

    with pytest.raises(ValidationFailed) as refused:
        record(county_officer(), child, Step.REVOCATION)
    by_court = record(court(), child, Step.REVOCATION)

    assert "须有人申请（民法典第三十六条）" in refused.value.errors["step"][0]
    assert by_court.answers is None


def test_a_revocation_answers_the_petition() -> None:
    child = child_with_parents()
    asked = petition(child)

    revocation = record(county_officer(), child, Step.REVOCATION, body=Body.COURT)

    assert revocation.answers == asked


def test_a_revocation_needs_the_parent_and_its_reference() -> None:
    child = child_with_parents()
    petition(child)

    with pytest.raises(ValidationFailed) as refused:
        record(court(), child, Step.REVOCATION, guardian_role="", reference="")

    assert refused.value.errors["guardian_role"] == [
        "请选择被撤销或恢复监护人资格的是父亲还是母亲。"
    ]
    assert refused.value.errors["reference"] == ["“撤销监护人资格”是法律文书，请填写文书编号。"]


def test_a_revocation_records_the_judgment_on_the_parent() -> None:
    child = child_with_parents()
    petition(child)

    step = record(court(), child, Step.REVOCATION, reference="(2026)川1502民特5号")

    condition = ParentCondition.objects.get(parent__child=child, parent__role="mother")
    assert condition.type == ParentCondition.Type.GUARDIANSHIP_REVOKED
    assert condition.on == step.on
    assert condition.evidence_kind == ParentCondition.Evidence.JUDGMENT
    assert condition.evidence_reference == "(2026)川1502民特5号"
    history = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED, child_id=child.pk)
    assert history.reason == f"监护干预措施 G{step.pk:06d}"  # the number, not the matter


def test_a_second_revocation_of_the_same_parent_is_refused() -> None:
    child = child_with_parents()
    record(court(), child, Step.REVOCATION)

    with pytest.raises(ValidationFailed) as refused:
        record(court(), child, Step.REVOCATION)

    assert refused.value.errors["guardian_role"] == ["该监护人的资格已被撤销，无需重复登记。"]


def test_father_dead_and_mother_revoked_makes_the_child_de_facto_unattended(
    django_capture_on_commit_callbacks,
) -> None:
    """DOMAIN.md §4 rule (B): one parent dead, the other's guardianship revoked."""
    officer = county_officer()
    with django_capture_on_commit_callbacks(execute=True):
        child = child_register(
            actor=officer,
            data=child_data(
                birth_date=dt.date(2016, 5, 1),
                parents=[
                    ParentData(role="father", vital_status="dead"),
                    ParentData(role="mother", vital_status="alive"),
                ],
            ),
        )
    before = ChildClassification.objects.filter(child_id=child.pk).first()
    assert before is None or "de_facto_unattended" not in before.categories
    petition(child)

    with django_capture_on_commit_callbacks(execute=True):
        revocation = record(court(), child, Step.REVOCATION, intentional_crime=True)

    classification = ChildClassification.objects.get(child_id=child.pk)
    assert "de_facto_unattended" in classification.categories
    assert "orphan" not in classification.categories
    # Nobody is left: civil affairs are the guardian by law, recorded with the revocation.
    long_term = InterventionStep.objects.get(child=child, step=Step.LONG_TERM_GUARDIANSHIP)
    assert long_term.answers == revocation
    assert long_term.body == Body.CIVIL_AFFAIRS
    child.refresh_from_db()
    assert child.guardian_relation == GuardianRelation.CIVIL_AFFAIRS
    assert child.guardian_name.endswith("民政局")


def test_a_revocation_leaves_the_child_with_the_other_able_parent() -> None:
    child = child_with_parents()
    petition(child)

    record(court(), child, Step.REVOCATION)

    assert not InterventionStep.objects.filter(step=Step.LONG_TERM_GUARDIANSHIP).exists()


def test_an_able_grandparent_on_file_is_somebody() -> None:
    child = make_child(guardian_relation=GuardianRelation.GRANDPARENT, guardian_able_to_care=True)
    ParentFactory(child=child, role=Parent.Role.FATHER, vital_status=Parent.VitalStatus.DEAD)
    ParentFactory(child=child, role=Parent.Role.MOTHER)

    record(court(), child, Step.REVOCATION)

    assert not InterventionStep.objects.filter(step=Step.LONG_TERM_GUARDIANSHIP).exists()


def test_restoration_is_refused_after_an_intentional_crime_against_the_child() -> None:
    child = child_with_parents()
    record(court(), child, Step.REVOCATION, intentional_crime=True, on=TODAY - dt.timedelta(3))

    with pytest.raises(ValidationFailed) as refused:
        record(court(), child, Step.RESTORATION)

    assert refused.value.errors["step"] == [
        "该监护人因对被监护人实施故意犯罪被撤销监护人资格，依法不得恢复（民法典第三十八条）。"
    ]
    assert not InterventionStep.objects.filter(step=Step.RESTORATION).exists()


def test_restoration_ends_the_revocation_otherwise() -> None:
    child = child_with_parents()
    revocation = record(court(), child, Step.REVOCATION, on=TODAY - dt.timedelta(days=3))

    restoration = record(court(), child, Step.RESTORATION)

    assert restoration.answers == revocation
    condition = ParentCondition.objects.get(parent__child=child, parent__role="mother")
    assert condition.until == restoration.on


def test_restoration_without_a_revocation_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        record(court(), child_with_parents(), Step.RESTORATION)

    assert refused.value.errors["guardian_role"] == ["没有撤销该监护人资格的记录，不能恢复。"]


def test_long_term_guardianship_makes_civil_affairs_the_guardian() -> None:
    child = child_with_parents()

    record(county_officer(), child, Step.LONG_TERM_GUARDIANSHIP)

    child.refresh_from_db()
    assert child.guardian_relation == GuardianRelation.CIVIL_AFFAIRS
    assert child.guardian_able_to_care is True


# -- needs revocation (CC art. 36) -------------------------------------------------------------
def test_needs_revocation_gives_civil_affairs_a_petition_to_file() -> None:
    child = child_with_parents()
    judge = court()

    item, opened = intervention_revocation_needed(actor=judge, child=child, reason="情节严重")

    assert opened
    assert item.kind == WorkItem.Kind.REVOCATION_PETITION
    assert item.department == "civil_affairs"
    assert item.level == Level.COUNTY
    assert item.region_code == COUNTY_CODE
    assert item.due_on == working_days_after(TODAY, 30).on
    assert (item.object_type, item.object_id) == ("intervention", child.pk)
    assert "民法典第三十六条" in item.rule["zh"]
    entry = AuditEntry.objects.get(verb=Verb.INTERVENTION_RECORDED, object_type="work_item")
    assert entry.actor == judge
    assert entry.changes["action"] == "revocation_needed"


def test_needs_revocation_twice_keeps_one_item() -> None:
    child = child_with_parents()
    first, _ = intervention_revocation_needed(actor=director(), child=child)

    again, opened = intervention_revocation_needed(actor=county_officer(), child=child)

    assert not opened
    assert again == first
    assert WorkItem.objects.filter(kind=WorkItem.Kind.REVOCATION_PETITION).count() == 1


def test_a_petition_by_anyone_stops_the_clock() -> None:
    child = child_with_parents()
    item, _ = intervention_revocation_needed(actor=county_officer(), child=child)

    record(director(), child, Step.REVOCATION_PETITION)

    item.refresh_from_db()
    assert item.status == WorkItem.Status.DONE


def test_needs_revocation_is_refused_while_a_petition_waits() -> None:
    child = child_with_parents()
    petition(child)

    with pytest.raises(RevocationAlreadyPending) as refused:
        intervention_revocation_needed(actor=county_officer(), child=child)

    assert refused.value.status == 409


def test_needs_revocation_is_refused_outside_the_county_and_without_the_permission() -> None:
    child = child_with_parents(OTHER_COUNTY_VILLAGE)
    with pytest.raises(PermissionRefused):
        intervention_revocation_needed(actor=county_officer(), child=child)
    with pytest.raises(PermissionRefused):
        intervention_revocation_needed(actor=supervisor(), child=child_with_parents())
    assert not WorkItem.objects.exists()
