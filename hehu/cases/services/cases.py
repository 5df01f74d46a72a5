"""A case's life: open, move along the flow, close, reopen (DOMAIN.md §6).

The flow (Jiangxi DB36/T 1855-2023): intake → assessment → planning → in service →
follow-up → evaluation → closed. An emergency (a child in danger) skips straight from
intake to service and is assessed and planned while it is served. A closed case is never
edited again: reopening opens a new case that points back to it, so history stays as it was.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.errors import CaseAlreadyOpen, CaseClosed, TransitionNotAllowed
from hehu.cases.models import Case, CaseTransition, CloseReason
from hehu.core.errors import ConcurrentEdit
from hehu.registry.models import Child

S = Case.Status

# Allowed moves. Closing is its own service (it needs a reason) and is allowed from any
# open status; going back one step is allowed where work must be redone.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.INTAKE: frozenset({S.ASSESSMENT, S.IN_SERVICE}),  # in service: emergency only
    S.ASSESSMENT: frozenset({S.PLANNING}),
    S.PLANNING: frozenset({S.IN_SERVICE, S.ASSESSMENT}),
    S.IN_SERVICE: frozenset({S.FOLLOW_UP, S.ASSESSMENT, S.PLANNING}),
    S.FOLLOW_UP: frozenset({S.EVALUATION, S.IN_SERVICE}),
    S.EVALUATION: frozenset({S.IN_SERVICE, S.PLANNING}),
    S.CLOSED: frozenset(),
}


def allowed_transitions(case: Case) -> list[str]:
    """Where this case may go next (closing aside), in flow order."""
    allowed = set(TRANSITIONS[case.status])
    if case.status == S.INTAKE and not case.emergency:
        allowed.discard(S.IN_SERVICE)
    return [s for s in S.values if s in allowed]


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentEdit(
            _("这个个案已被其他人修改（现为第 %(now)s 版），请刷新后重试。") % {"now": case.version}
        )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _record(case: Case, actor: Any, before: str, reason: str) -> None:
    CaseTransition.objects.create(
        case=case,
        from_status=before,
        to_status=case.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=timezone.now(),
        reason=reason,
    )


@transaction.atomic
def case_open(
    *,
    actor: Any,
    child: Child,
    source: str,
    reason: str = "",
    source_category: str = "",
    referred_by_department: str = "",
    emergency: bool = False,
) -> Case:
    """Open the child's case in the child's village; refused when one is already open."""
    if Case.objects.filter(child=child).exclude(status=S.CLOSED).exists():
        raise CaseAlreadyOpen(_("这名儿童已有一个未结案的个案，不能重复开案。"))
    if source == Case.Source.MANUAL and not reason.strip():
        raise TransitionNotAllowed(_("手动开案须写明理由。"), field="reason")
    case = Case(
        child=child,
        region_id=child.region_id,
        region_code=child.region.code,
        source=source,
        source_category=source_category,
        referred_by_department=referred_by_department,
        reason=reason.strip(),
        emergency=emergency,
        risk=Case.Risk.HIGH if emergency else Case.Risk.NORMAL,
        opened_at=timezone.now(),
        opened_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # Two openings raced past the check: the partial unique index refused the second.
        raise CaseAlreadyOpen(_("这名儿童已有一个未结案的个案，不能重复开案。")) from None
    _record(case, actor, "", reason.strip())
    audit_record(
        actor=actor,
        verb=Verb.CASE_OPENED,
        object_type="case",
        object_id=case.pk,
        child_id=child.pk,
        changes={"source": source, "category": source_category, "emergency": emergency},
        reason=reason.strip(),
    )
    from hehu.cases.services.casework import case_clocks_start

    case_clocks_start(case=case)
    return case


@transaction.atomic
def case_transition(
    *,
    actor: Any,
    case: Case,
    to_status: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Move a case one step along the flow; a move the flow does not allow is refused."""
    case = _locked(case)
    _check_version(case, expected_version)
    if case.status == S.CLOSED:
        raise CaseClosed(_("个案已结案，不能再变更；如需继续服务请重新开案。"))
    if to_status not in allowed_transitions(case):
        raise TransitionNotAllowed(
            _("个案不能从“%(from)s”转到“%(to)s”。可以转到：%(allowed)s。")
            % {
                "from": S(case.status).label,
                "to": S(to_status).label if to_status in S.values else to_status,
                "allowed": "、".join(str(S(s).label) for s in allowed_transitions(case)) or _("无"),
            }
        )
    before = case.status
    case.status = to_status
    case.version += 1
    case.save(update_fields=["status", "version", "updated_at"])
    _record(case, actor, before, reason)
    audit_record(
        actor=actor,
        verb=Verb.CASE_TRANSITIONED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        changes={"status": [before, to_status]},
        reason=reason,
    )
    from hehu.cases.services.casework import case_status_changed

    case_status_changed(case=case, before=before)
    return case


@transaction.atomic
def case_close(
    *,
    actor: Any,
    case: Case,
    reason: str,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Close a case with a reason; every clock of the case stops."""
    case = _locked(case)
    _check_version(case, expected_version)
    if case.status == S.CLOSED:
        raise CaseClosed(_("个案已经结案。"))
    if reason not in CloseReason.values:
        raise TransitionNotAllowed(_("请选择结案原因。"), field="reason")
    if reason == CloseReason.OTHER and not note.strip():
        raise TransitionNotAllowed(_("结案原因为“其他”时须写明说明。"), field="note")
    before = case.status
    case.status = S.CLOSED
    case.closed_at = timezone.now()
    case.close_reason = reason
    case.close_note = note.strip()
    case.version += 1
    case.save(
        update_fields=["status", "closed_at", "close_reason", "close_note", "version", "updated_at"]
    )
    _record(case, actor, before, f"{CloseReason(reason).label} {note}".strip())
    audit_record(
        actor=actor,
        verb=Verb.CASE_CLOSED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        changes={"status": [before, S.CLOSED], "close_reason": reason},
        reason=note.strip(),
    )
    from hehu.cases.services.casework import case_clocks_stop

    case_clocks_stop(case=case)
    return case


@transaction.atomic
def case_reopen(*, actor: Any, case: Case, reason: str) -> Case:
    """Open a new case for the child of a closed one, pointing back to it."""
    if case.status != S.CLOSED:
        raise TransitionNotAllowed(_("只有已结案的个案可以重新开案。"))
    if not reason.strip():
        raise TransitionNotAllowed(_("重新开案须写明理由。"), field="reason")
    child = Child.objects.select_related("region").get(pk=case.child_id)
    new = case_open(actor=actor, child=child, source=Case.Source.MANUAL, reason=reason)
    new.reopened_from = case
    new.save(update_fields=["reopened_from"])
    audit_record(
        actor=actor,
        verb=Verb.CASE_REOPENED,
        object_type="case",
        object_id=new.pk,
        child_id=case.child_id,
        changes={"reopened_from": case.pk},
        reason=reason,
    )
    return new
