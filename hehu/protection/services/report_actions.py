"""Acting on a routed compulsory report (DOMAIN.md §8): the department accepts it, the
police give feedback to the reporting unit, police or civil affairs record whether the harm
is substantiated and name the registered child a report described; the reporter's identity
is shown only for a stated reason, audited.

Each action is taken for the actor's department, on a route of its jurisdiction
(`_route_of`); a report is closed once the police have given feedback and a finding is
recorded. Filing and routing are in hehu.protection.services.reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.models import WorkItem
from hehu.cases.services.workitems import work_items_done
from hehu.core.crypto import decrypt
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.protection.models import Report, ReportRoute
from hehu.protection.report_selectors import department_acting
from hehu.protection.services.reports import (
    CIVIL_AFFAIRS,
    EDUCATION,
    POLICE,
    ReportNotRouted,
    _facts_follow,
)
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to

MIN_FEEDBACK = 10


class ReportAlreadyAccepted(ApplicationError):
    code = "already_accepted"
    status = 409


# ---- acting on a report --------------------------------------------------------------------


def _route_of(actor: Any, report: Report) -> ReportRoute:
    if not has_perm(actor, Perm.ACT_ON_REPORT):
        raise PermissionRefused(_("您的账号没有处理强制报告的权限"))
    department = department_acting(actor)
    route = report.routes.filter(department=department).first()
    if route is None:
        if report.routed_at is None:
            raise ReportNotRouted(_("报告正在分派中，请稍后再试"))
        raise PermissionRefused(_("这份报告没有分派给您所在的部门"))
    if not any(route.region_code.startswith(p) for p in actor.prefixes):
        raise PermissionRefused(_("这份报告不在您的管辖范围内"))
    return route


@transaction.atomic
def report_accept(*, actor: Any, report: Report) -> ReportRoute:
    """The actor's department accepts the report (police: at once, DOMAIN.md §8)."""
    route = _route_of(actor, report)
    route = ReportRoute.objects.select_for_update().get(pk=route.pk)
    if route.accepted_at is not None:
        raise ReportAlreadyAccepted(
            _("%(dept)s已于 %(at)s 受理这份报告")
            % {"dept": _department_label(route.department), "at": _when(route.accepted_at)}
        )
    route.accepted_at = timezone.now()
    route.accepted_by = actor
    route.save(update_fields=["accepted_at", "accepted_by"])
    Report.objects.filter(pk=report.pk, status=Report.Status.RECEIVED).update(
        status=Report.Status.ACCEPTED
    )
    if route.department == EDUCATION:
        work_items_done(
            object_type="report", object_id=report.pk, kinds=[WorkItem.Kind.REPORT_EDUCATION]
        )
    audit_record(
        actor=actor,
        verb=Verb.REPORT_ACCEPTED,
        object_type="report",
        object_id=report.pk,
        child_id=report.child_id,
        changes={"department": route.department},
    )
    return route


@transaction.atomic
def report_feedback_give(*, actor: Any, report: Report, feedback: str) -> ReportRoute:
    """Police feedback to the reporting unit (due within 3 days): stops the police clock."""
    route = _route_of(actor, report)
    if route.department != POLICE:
        raise PermissionRefused(_("向报告单位反馈由公安机关负责"))
    route = ReportRoute.objects.select_for_update().get(pk=route.pk)
    text = feedback.strip()
    problems: dict[str, list[str]] = {}
    if route.accepted_at is None:
        problems["feedback"] = [_("请先受理报告，再反馈处理情况")]
    elif route.feedback_at is not None:
        problems["feedback"] = [_("已于 %(at)s 反馈过") % {"at": _when(route.feedback_at)}]
    elif len(text) < MIN_FEEDBACK:
        problems["feedback"] = [
            _("请写明向报告单位反馈的处理情况（至少 %(n)s 个字）") % {"n": MIN_FEEDBACK}
        ]
    if problems:
        raise ValidationFailed(problems)
    route.feedback, route.feedback_at, route.feedback_by = text, timezone.now(), actor
    route.save(update_fields=["feedback", "feedback_at", "feedback_by"])
    work_items_done(object_type="report", object_id=report.pk, kinds=[WorkItem.Kind.REPORT_POLICE])
    audit_record(
        actor=actor,
        verb=Verb.REPORT_FEEDBACK,
        object_type="report",
        object_id=report.pk,
        child_id=report.child_id,
        changes={
            "on_time": route.feedback_due_at is None or route.feedback_at <= route.feedback_due_at
        },
    )
    _close_if_done(report)
    return route


@transaction.atomic
def report_finding_record(*, actor: Any, report: Report, finding: str) -> Report:
    """Police or civil affairs record whether the harm is substantiated; a substantiated
    finding marks the child's concerns substantiated (→ guardianship_risk)."""
    route = _route_of(actor, report)
    if route.department not in (POLICE, CIVIL_AFFAIRS):
        raise PermissionRefused(_("核查结论由公安机关或民政部门记录"))
    if finding not in (Report.Finding.SUBSTANTIATED, Report.Finding.NOT_SUBSTANTIATED):
        raise ValidationFailed({"finding": [_("请选择核查结论：情况属实或未发现侵害")]})
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.finding == Report.Finding.SUBSTANTIATED and finding != locked.finding:
        raise ValidationFailed({"finding": [_("已核实属实的报告不能改为未发现侵害")]})
    before = locked.finding
    locked.finding, locked.finding_at, locked.finding_by = finding, timezone.now(), actor
    locked.save(update_fields=["finding", "finding_at", "finding_by"])
    work_items_done(object_type="report", object_id=locked.pk, kinds=[WorkItem.Kind.REPORT_CIVIL])
    audit_record(
        actor=actor,
        verb=Verb.REPORT_FINDING,
        object_type="report",
        object_id=locked.pk,
        child_id=locked.child_id,
        changes={"finding": [before, finding], "department": route.department},
    )
    if finding == Report.Finding.SUBSTANTIATED:
        _facts_follow(locked, substantiated=True, actor=actor)
    _close_if_done(locked)
    return locked


@transaction.atomic
def report_child_link(*, actor: Any, report: Report, child: Child) -> Report:
    """Name the registered child a report described (found by police or civil affairs)."""
    _route_of(actor, report)
    if not children_visible_to(user=actor).filter(pk=child.pk).exists():
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.child_id is not None and locked.child_id != child.pk:
        raise ValidationFailed({"child_id": [_("这份报告已关联到另一份儿童档案")]})
    if locked.child_id == child.pk:
        return locked
    locked.child = child
    locked.save(update_fields=["child"])
    WorkItem.objects.filter(object_type="report", object_id=locked.pk).update(child_id=child.pk)
    audit_record(
        actor=actor,
        verb=Verb.REPORT_LINKED,
        object_type="report",
        object_id=locked.pk,
        child_id=child.pk,
    )
    if locked.routed_at is not None:
        _facts_follow(
            locked, substantiated=locked.finding == Report.Finding.SUBSTANTIATED, actor=actor
        )
    return locked


def _close_if_done(report: Report) -> None:
    """Closed once the police have given feedback and a finding is recorded."""
    Report.objects.filter(
        pk=report.pk,
        routes__department=POLICE,
        routes__feedback_at__isnull=False,
    ).exclude(finding=Report.Finding.PENDING).update(status=Report.Status.CLOSED)


# ---- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    anonymous: bool
    kind: str
    name: str
    unit: str
    phone: str


def report_reporter_reveal(*, actor: Any, report: Report, reason: str) -> Reporter:
    """Who reported, for a stated reason: police and civil affairs acting on the report
    only; every reveal audited with its reason (the identity is confidential)."""
    if not has_perm(actor, Perm.REVEAL_REPORTER):
        raise PermissionRefused(_("您的账号不能查看报告人身份"))
    route = _route_of(actor, report)
    if route.department not in (POLICE, CIVIL_AFFAIRS):
        raise PermissionRefused(_("报告人身份只向处理报告的公安机关和民政部门披露"))
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationFailed({"reason": [_("查看报告人身份须填写理由")]})

    def plain(token: str) -> str:
        return decrypt(token) if token else ""

    audit_record(
        actor=actor,
        verb=Verb.REPORTER_REVEALED,
        object_type="report",
        object_id=report.pk,
        child_id=report.child_id,
        reason=reason[:500],
    )
    return Reporter(
        anonymous=report.anonymous,
        kind=report.reporter_kind,
        name=plain(report.reporter_name_encrypted),
        unit=plain(report.reporter_unit_encrypted),
        phone=plain(report.reporter_phone_encrypted),
    )


def report_record_view(*, actor: Any, report: Report) -> None:
    """Record that `actor` opened the report."""
    audit_record(
        actor=actor,
        verb=Verb.REPORT_VIEWED,
        object_type="report",
        object_id=report.pk,
        child_id=report.child_id,
    )


def _department_label(code: str) -> str:
    from hehu.accounts.models import Department

    return str(dict(Department.choices).get(code, code))


def _when(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
