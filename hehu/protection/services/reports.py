"""Compulsory reports: filing and routing (DOMAIN.md §8).

A report is saved on its own first, with its reference and timestamp; nothing else
happens in that transaction. After it commits, routing puts it in the county's
public-security and civil-affairs queues (and education's for a school matter) with their
clocks, and records the concern on a registered child's file; routing runs in a Celery
task that retries, and a periodic task routes whatever is still unrouted, so a report is
never lost even when routing fails.

The age-14 rule (DOMAIN.md §1, §8): a girl under 14 — sexual assault, pregnancy or
abortion, actual or suspected, is reportable as such; a girl of 14 or over — pregnancy or
abortion only when caused by actual or suspected sexual assault. The two situations are
checked against the child's age on the day it was seen.

Acting on a routed report (acceptance, feedback, findings, the reporter's identity) is in
hehu.protection.services.report_actions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import Due, working_days_after
from hehu.cases.models import Level, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.services.workitems import rule, work_item_open
from hehu.core.crypto import encrypt
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.policy.engine.functions import age_on
from hehu.protection.models import Report, ReporterKind, ReportRoute, Situation
from hehu.protection.models.report import SCHOOL_REPORTERS
from hehu.regions.models import Region
from hehu.registry.models import Child, ProtectionConcern
from hehu.registry.selectors import children_visible_to
from hehu.registry.services.protection_facts import child_concern_record

logger = logging.getLogger(__name__)

POLICE = "public_security"
CIVIL_AFFAIRS = "civil_affairs"
EDUCATION = "education"
MAX_ACCOUNT = 4000

# The concern each situation records on the child's file (DOMAIN.md §11 concern types).
CONCERN_OF: dict[str, str] = {
    Situation.GENITAL_INJURY: ProtectionConcern.Type.SEXUAL_ABUSE,
    Situation.UNDER_14_SEXUAL: ProtectionConcern.Type.SEXUAL_ABUSE,
    Situation.OVER_14_PREGNANCY: ProtectionConcern.Type.SEXUAL_ABUSE,
    Situation.SERIOUS_INJURY: ProtectionConcern.Type.ABUSE,
    Situation.SELF_HARM_OR_DEATH: ProtectionConcern.Type.OTHER,
    Situation.ABANDONED: ProtectionConcern.Type.ABANDONMENT,
    Situation.MISSING_OR_TRAFFICKED: ProtectionConcern.Type.TRAFFICKING,
    Situation.ORGANISED_BEGGING: ProtectionConcern.Type.BEGGING,
    Situation.OTHER_SERIOUS: ProtectionConcern.Type.OTHER,
}
AGE_14 = 14


class ReportNotRouted(ApplicationError):
    code = "not_routed"
    status = 409


@dataclass(frozen=True)
class ReportData:
    """What a report says. `child_id` names a registered child (signed-in reporters who
    can see the file); otherwise `child_description` describes the child."""

    reporter_kind: str
    region_code: str
    situations: Sequence[str]
    observed_on: dt.date | None
    account: str
    anonymous: bool = False
    reporter_name: str = ""
    reporter_unit: str = ""
    reporter_phone: str = ""
    child_id: int | None = None
    child_description: str = ""
    child_sex: str = ""
    child_age: int | None = None
    place: str = ""
    school_matter: bool = False
    immediate_danger: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# ---- filing ------------------------------------------------------------------------------


def _age_and_sex(data: ReportData, child: Child | None) -> tuple[int | None, str]:
    if child is not None:
        on = data.observed_on or timezone.localdate()
        return age_on(child.birth_date, on), child.sex
    return data.child_age, data.child_sex


def _situation_problems(data: ReportData, child: Child | None) -> list[str]:
    problems: list[str] = []
    if not data.situations:
        return [_("请至少选择一种发现的情形")]
    unknown = [s for s in data.situations if s not in Situation.values]
    if unknown:
        problems.append(_("情形不正确：%s") % "、".join(unknown))
    if len(set(data.situations)) != len(data.situations):
        problems.append(_("同一情形选择了两次"))
    age, sex = _age_and_sex(data, child)
    girl_only = {Situation.UNDER_14_SEXUAL, Situation.OVER_14_PREGNANCY} & set(data.situations)
    if girl_only and sex == "male":
        problems.append(_("第2、3项情形适用于女性未成年人；男童请选择第1、4项或“其他严重侵害”"))
    if age is not None and Situation.UNDER_14_SEXUAL in data.situations and age >= AGE_14:
        problems.append(
            _("儿童已满十四周岁（%(age)s 岁）：怀孕、流产须系遭受或疑似遭受性侵害所致，请改选第3项")
            % {"age": age}
        )
    if age is not None and Situation.OVER_14_PREGNANCY in data.situations and age < AGE_14:
        problems.append(
            _(
                "儿童不满十四周岁（%(age)s 岁）：遭受或疑似遭受性侵害、怀孕、流产均须报告，"
                "请改选第2项"
            )
            % {"age": age}
        )
    return problems


def _child_of(actor: Any, data: ReportData) -> Child | None:
    if data.child_id is None:
        return None
    if actor is None:
        return None
    return children_visible_to(user=actor).filter(pk=data.child_id).first()


def report_problems(actor: Any, data: ReportData) -> dict[str, list[str]]:
    """Every problem of a report, by field; empty when it can be filed."""
    problems: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    today = timezone.localdate()
    if data.reporter_kind not in ReporterKind.values:
        add("reporter_kind", _("请选择报告人类别"))
    mandated = data.reporter_kind not in ("", ReporterKind.PUBLIC)
    if data.anonymous and mandated:
        add(
            "anonymous",
            _("强制报告单位不能匿名：请填写单位和报告人姓名，报告人身份将严格保密"),
        )
    if not data.anonymous:
        if not data.reporter_name.strip():
            add("reporter_name", _("请填写报告人姓名（不愿留名的公众可以选择匿名报告）"))
        if mandated and not data.reporter_unit.strip():
            add("reporter_unit", _("请填写报告单位名称"))
        if mandated and not data.reporter_phone.strip():
            add("reporter_phone", _("请填写联系电话，以便公安机关向报告单位反馈"))
    phone = data.reporter_phone.strip()
    if phone and not all(c.isdigit() or c in "+- " for c in phone) or len(phone) > 20:
        add("reporter_phone", _("电话号码只能包含数字、空格、+ 和 -，不超过 20 位"))
    child = _child_of(actor, data)
    if data.child_id is not None and child is None:
        add("child_id", _("找不到该儿童档案，或它不在您的管辖范围内；请改为描述儿童情况"))
    if data.child_id is None and len(data.child_description.strip()) < 4:
        add("child_description", _("请描述儿童的情况（姓名或称呼、大致年龄、外貌、就读学校等）"))
    if data.child_sex not in ("", "male", "female"):
        add("child_sex", _("性别不正确"))
    if data.child_age is not None and not 0 <= data.child_age <= 17:
        add("child_age", _("未成年人的年龄应在 0 至 17 岁之间"))
    code = data.region_code.strip()
    if len(code) != 12 or not code.isdigit():
        add("region_code", _("请选择发生地（村、社区），区划代码应为 12 位数字"))
    elif not Region.objects.filter(code=code, active=True).exists():
        add("region_code", _("区划代码 %(code)s 不存在或已撤销") % {"code": code})
    if data.observed_on is None:
        add("observed_on", _("请填写发现日期"))
    elif data.observed_on > today:
        add("observed_on", _("发现日期不能晚于今天"))
    elif child is not None and data.observed_on < child.birth_date:
        add("observed_on", _("发现日期不能早于儿童的出生日期"))
    for message in _situation_problems(data, child):
        add("situations", message)
    account = data.account.strip()
    if len(account) < 4:
        add("account", _("请写明发现的情况：看到或听到了什么、何时、在哪里"))
    elif len(account) > MAX_ACCOUNT:
        add("account", _("情况说明不能超过 %(n)s 字") % {"n": MAX_ACCOUNT})
    return problems


def report_file(
    *, actor: Any, data: ReportData, client_token: str | None = None
) -> tuple[Report, bool]:
    """Save a report (its reference and timestamp) and queue its routing.

    Returns the report and whether it was created now; a retry with the same client token
    returns the first report. Nothing but the report is written here: routing follows
    after commit and is retried (`report_route`).
    """
    token = (client_token or "").strip() or None
    if token is not None:
        earlier = Report.objects.filter(client_token=token).first()
        if earlier is not None:
            return earlier, False
    if actor is not None and not has_perm(actor, Perm.FILE_REPORT):
        raise PermissionRefused(_("您的账号不能以此身份提交报告，请使用公开的报告页面"))
    problems = report_problems(actor, data)
    if problems:
        raise ValidationFailed(problems)
    try:
        with transaction.atomic():
            report = _saved(actor, data, token)
    except IntegrityError:
        earlier = Report.objects.filter(client_token=token).first() if token else None
        if earlier is None:
            raise
        return earlier, False
    transaction.on_commit(lambda: _queue_routing(report.pk))
    return report, True


def _saved(actor: Any, data: ReportData, token: str | None) -> Report:
    def secret(value: str) -> str:
        value = value.strip()
        return encrypt(value) if value and not data.anonymous else ""

    child = _child_of(actor, data)
    report = Report.objects.create(
        received_at=timezone.now(),
        reporter_kind=data.reporter_kind,
        anonymous=data.anonymous,
        reporter_name_encrypted=secret(data.reporter_name),
        reporter_unit_encrypted=secret(data.reporter_unit),
        reporter_phone_encrypted=secret(data.reporter_phone),
        filed_by=actor if actor is not None and actor.is_authenticated else None,
        child=child,
        child_description=data.child_description.strip(),
        child_sex=child.sex if child else data.child_sex,
        child_age=data.child_age if child is None else None,
        region_code=data.region_code.strip(),
        place=data.place.strip()[:200],
        situations=list(data.situations),
        observed_on=data.observed_on or timezone.localdate(),
        account=data.account.strip(),
        school_matter=data.school_matter or data.reporter_kind in SCHOOL_REPORTERS,
        immediate_danger=data.immediate_danger,
        client_token=token,
    )
    audit_record(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=Verb.REPORT_FILED,
        object_type="report",
        object_id=report.pk,
        child_id=report.child_id,
        # What was reported, never who reported it.
        changes={
            "number": report.number,
            "situations": report.situations,
            "reporter_kind": report.reporter_kind,
            "anonymous": report.anonymous,
        },
    )
    return report


def _queue_routing(report_id: int) -> None:
    from hehu.protection.report_tasks import report_route_task

    try:
        report_route_task.delay(report_id)
    except Exception:  # the broker is down: the periodic retry routes it
        logger.exception("report %s: routing could not be queued", report_id)


# ---- routing -----------------------------------------------------------------------------


def _departments(report: Report) -> list[str]:
    departments = [POLICE, CIVIL_AFFAIRS]
    if report.school_matter:
        departments.append(EDUCATION)
    return departments


def report_route(*, report_id: int) -> bool:
    """Put the report in its queues with their clocks; True when it routed it now.

    Idempotent: a routed report is left as it is. A failure is recorded on the report
    (attempts, error) and raised again for the task to retry.
    """
    try:
        with transaction.atomic():
            routed = _route(report_id)
    except Exception as exc:
        _routing_failed(report_id, exc)
        raise
    if routed is not None:
        _facts_follow(routed, substantiated=False)
    return routed is not None


def _route(report_id: int) -> Report | None:
    report = Report.objects.select_for_update().get(pk=report_id)
    if report.routed_at is not None:
        return None
    now = timezone.now()
    county = report.region_code[:6].ljust(12, "0")
    received = timezone.localtime(report.received_at)
    for department in _departments(report):
        ReportRoute.objects.get_or_create(
            report=report,
            department=department,
            defaults={"region_code": county, "routed_at": now},
        )
        _open_clock(report, department, received)
    report.routed_at = now
    report.routing_attempts += 1
    report.routing_error = ""
    report.save(update_fields=["routed_at", "routing_attempts", "routing_error"])
    audit_record(
        actor=None,
        verb=Verb.REPORT_ROUTED,
        object_type="report",
        object_id=report.pk,
        child_id=report.child_id,
        changes={"departments": _departments(report), "county": county},
    )
    return report


def _open_clock(report: Report, department: str, received: dt.datetime) -> None:
    on = received.date()
    if department == POLICE:
        hours = procedure_value("report_police_feedback_hours", report.region_code, on)
        due_at = received + dt.timedelta(hours=hours)
        ReportRoute.objects.filter(report=report, department=POLICE).update(feedback_due_at=due_at)
        work_item_open(
            kind=WorkItem.Kind.REPORT_POLICE,
            child_id=report.child_id,
            region_code=report.region_code,
            level=Level.COUNTY,
            due=Due(due_at.date()),
            due_at=due_at,
            department=POLICE,
            rule=rule(
                f"公安机关接到强制报告后立即受理，{hours} 小时内向报告单位反馈",
                f"police accept a compulsory report at once and give feedback to the "
                f"reporting unit within {hours} hours",
            ),
            object_type="report",
            object_id=report.pk,
        )
        return
    if department == CIVIL_AFFAIRS:
        days = procedure_value("report_civil_affairs_working_days", report.region_code, on)
        kind, zh, en = (
            WorkItem.Kind.REPORT_CIVIL,
            f"民政部门 {days} 个工作日内核查报告涉及儿童的处境",
            f"civil affairs check the child's situation within {days} working days",
        )
    else:
        days = procedure_value("report_education_working_days", report.region_code, on)
        kind, zh, en = (
            WorkItem.Kind.REPORT_EDUCATION,
            f"教育部门 {days} 个工作日内处置涉校报告",
            f"education acts on a school matter within {days} working days",
        )
    work_item_open(
        kind=kind,
        child_id=report.child_id,
        region_code=report.region_code,
        level=Level.COUNTY,
        due=working_days_after(on, days),
        department=department,
        rule=rule(zh, en),
        object_type="report",
        object_id=report.pk,
    )


def _routing_failed(report_id: int, exc: Exception) -> None:
    try:
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report_id)
            report.routing_attempts += 1
            report.routing_error = f"{type(exc).__name__}: {exc}"[:500]
            report.save(update_fields=["routing_attempts", "routing_error"])
            audit_record(
                actor=None,
                verb=Verb.REPORT_ROUTING_FAILED,
                object_type="report",
                object_id=report.pk,
                changes={"attempt": report.routing_attempts, "error": report.routing_error},
            )
    except Exception:
        logger.exception("report %s: the routing failure could not be recorded", report_id)


def reports_route_pending(*, older_than: dt.timedelta | None = None) -> int:
    """Route every report still unrouted (the periodic retry); returns how many routed."""
    cutoff = timezone.now() - (older_than if older_than is not None else dt.timedelta(0))
    routed = 0
    pending = Report.objects.filter(routed_at__isnull=True, received_at__lte=cutoff)
    for report_id in pending.order_by("received_at").values_list("pk", flat=True):
        try:
            routed += report_route(report_id=report_id)
        except Exception:
            logger.exception("report %s: routing failed again", report_id)
    return routed


def _facts_follow(report: Report, *, substantiated: bool, actor: Any = None) -> None:
    """The report's concerns on the registered child's file (unsubstantiated when filed,
    substantiated by a finding). A failure here never undoes the routing."""
    if report.child_id is None:
        return
    child = Child.objects.get(pk=report.child_id)
    types = sorted({CONCERN_OF[s] for s in report.situations if s in CONCERN_OF})
    for concern in types:
        try:
            child_concern_record(
                actor=actor,
                child=child,
                type=concern,
                since=report.observed_on,
                substantiated=substantiated,
                reason=f"强制报告 {report.number}",
            )
        except Exception:
            if actor is not None:
                raise
            logger.exception("report %s: the concern could not be recorded", report.pk)


def is_police(actor: Any) -> bool:
    return bool(actor.role == Role.DEPARTMENT_OFFICER and actor.department == POLICE)
