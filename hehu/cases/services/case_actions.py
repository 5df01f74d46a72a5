"""What a person does to a case from a page or the API: open it from a child's file, move it
along, close it, reopen it, read it. Each checks the role's permission and the actor's
reach, then calls the core service (hehu.cases.services.cases), which writes and audits.

The core services also serve the system itself (a category entry opens a case with no
actor), so the checks that belong to people live here, once for the pages and the API.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.models import Department, Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.errors import CaseAlreadyOpen
from hehu.cases.models import Case
from hehu.cases.selectors import cases_visible_to
from hehu.cases.services.cases import case_close, case_open, case_reopen, case_transition
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to

REASON_MAX = 2000
# The sources a person may choose; a category entry opens a case by itself.
PERSON_SOURCES = (Case.Source.MANUAL, Case.Source.REFERRAL)


def require_case_perm(actor: Any, perm: Perm) -> None:
    """403 for a role that may not do this (least privilege)."""
    if not has_perm(actor, perm):
        raise PermissionRefused(_("您的账号没有执行此操作的权限"))


def require_case_visible(actor: Any, case: Case) -> None:
    """Services re-check the reach the access helper already applied: a caller that skipped
    it must not be able to change a case outside the actor's jurisdiction."""
    if not cases_visible_to(user=actor).filter(pk=case.pk).exists():
        raise PermissionRefused(_("该个案不在您的管辖范围内"))


def open_case_of(*, child: Child) -> Case | None:
    """The child's open case, if there is one."""
    return Case.objects.filter(child=child).exclude(status=Case.Status.CLOSED).first()


def _opening_source(actor: Any, source: str, department: str) -> tuple[str, str]:
    """The source and referring department of a case a person opens (refused if not theirs)."""
    if actor.role == Role.DEPARTMENT_OFFICER:
        # Other departments refer children to casework; they do not open cases by hand.
        if source != Case.Source.REFERRAL:
            raise PermissionRefused(
                _("部门干部只能以本部门转介的方式开案，请选择“转介”。"), field="source"
            )
        return Case.Source.REFERRAL, actor.department
    if source not in PERSON_SOURCES:
        raise ValidationFailed({"source": [_("请选择开案来源：手动开案或部门转介。")]})
    if source == Case.Source.REFERRAL:
        if department not in Department.values:
            raise ValidationFailed({"department": [_("部门转介须选择转介的部门。")]})
        return source, department
    return source, ""


@transaction.atomic
def case_open_by_person(
    *,
    actor: Any,
    child: Child,
    reason: str,
    emergency: bool = False,
    source: str = Case.Source.MANUAL,
    department: str = "",
) -> Case:
    """Open a case for a child in the actor's reach: by hand, or by a department's referral."""
    require_case_perm(actor, Perm.OPEN_CASE)
    if not children_visible_to(user=actor).filter(pk=child.pk).exists():
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))
    source, department = _opening_source(actor, source, department)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("请写明开案理由，例如入户发现的情况。")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_("开案理由不能超过 %(n)d 个字。") % {"n": REASON_MAX}]})
    existing = open_case_of(child=child)
    if existing is not None:
        raise CaseAlreadyOpen(
            _("这名儿童已有一个未结案的个案（%(number)s），不能重复开案。")
            % {"number": existing.number},
            existing_case_id=existing.pk,
        )
    return case_open(
        actor=actor,
        child=child,
        source=source,
        reason=reason,
        referred_by_department=department,
        emergency=emergency,
    )


def case_transition_by_person(
    *, actor: Any, case: Case, to_status: str, reason: str = "", expected_version: int | None
) -> Case:
    """Move a case one step along the flow (the flow itself is the core service's)."""
    require_case_perm(actor, Perm.WORK_CASE)
    require_case_visible(actor, case)
    return case_transition(
        actor=actor,
        case=case,
        to_status=to_status,
        reason=(reason or "").strip(),
        expected_version=expected_version,
    )


def case_close_by_person(
    *, actor: Any, case: Case, reason: str, note: str = "", expected_version: int | None
) -> Case:
    """Close a case with a reason (a note is required for "other")."""
    require_case_perm(actor, Perm.WORK_CASE)
    require_case_visible(actor, case)
    return case_close(
        actor=actor, case=case, reason=reason, note=note, expected_version=expected_version
    )


def case_reopen_by_person(*, actor: Any, case: Case, reason: str) -> Case:
    """Open a new case for the child of a closed one (the closed one stays as it was)."""
    require_case_perm(actor, Perm.WORK_CASE)
    require_case_perm(actor, Perm.OPEN_CASE)
    require_case_visible(actor, case)
    if case.status == Case.Status.CLOSED:
        existing = open_case_of(child=case.child)
        if existing is not None:
            raise CaseAlreadyOpen(
                _("这名儿童已有一个未结案的个案（%(number)s），不能重复开案。")
                % {"number": existing.number},
                existing_case_id=existing.pk,
            )
    return case_reopen(actor=actor, case=case, reason=(reason or "").strip())


def case_record_view(*, actor: Any, case: Case) -> None:
    """Log that the actor opened the case (Minors' Online Protection Regulations art. 36)."""
    audit_record(
        actor=actor,
        verb=Verb.CASE_VIEWED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
    )
