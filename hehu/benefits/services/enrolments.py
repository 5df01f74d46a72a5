"""Enrolments: the county confirms a child's entitlement, and stops it after a change.

    enrol(actor=officer, child=child, category="disabled_child", confirmed_on=date(2026, 3, 5))
    record_change(actor=officer, child=child, reason=StopReason.DIED, changed_on=date(2026, 5, 2))

Payment starts from the month after confirmation and stops from the month after the change
(DOMAIN.md §5). A recognition approved by the county (orphan, de facto unattended) enrols
the child by itself (`enrol_from_recognition`). A change recorded after months were already
paid creates overpayments for those months, to be recovered (hehu.benefits.services.overpayments).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.catalogue import standards
from hehu.benefits.models import Enrolment, Overpayment, StopReason
from hehu.benefits.months import label, month_after
from hehu.benefits.services.overpayments import overpayments_after_change
from hehu.cases.models import RecognitionApplication
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.policy.models import ChildClassification
from hehu.registry.models import Child

NOTE_MAX = 500
# Categories Hehu recognises through an application (62号): a county enrolment by hand is
# for children recognised before Hehu, and must name the decision.
RECOGNISED = ("orphan", "de_facto_unattended")
# A parent able to care again ends the de facto unattended entitlement only.
STOPS_ONLY: dict[str, tuple[str, ...]] = {StopReason.PARENT_ABLE: ("de_facto_unattended",)}


def benefit_categories() -> set[str]:
    """The categories some monthly programme pays for."""
    return {
        category
        for programme in standards().programmes.values()
        if programme.kind in ("monthly_allowance", "supplement")
        for category in programme.categories
    }


def _in_reach(actor: Any, code: str) -> bool:
    return any(code.startswith(p) for p in actor.prefixes)


def _audit(
    actor: Any, verb: Verb, enrolment: Enrolment, changes: dict[str, Any], reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type="enrolment",
        object_id=enrolment.pk,
        child_id=enrolment.child_id,
        changes=changes,
        reason=reason,
    )


def _check_child(actor: Any, child: Child) -> None:
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("待遇资格由县级民政部门确认"))
    if not _in_reach(actor, child.region_id):
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))
    if child.status != Child.Status.ACTIVE:
        raise ValidationFailed({"child": [_("该儿童档案已合并或销档，不能确认待遇")]})


def _check_day(
    errors: dict[str, list[str]], field: str, day: dt.date | None, child: Child, what: str
) -> None:
    if day is None:
        errors[field] = [_("请填写%s") % what]
    elif day > timezone.localdate():
        errors[field] = [_("%(what)s不能晚于今天（%(day)s）") % {"what": what, "day": day}]
    elif day < child.birth_date:
        errors[field] = [
            _("%(what)s不能早于儿童出生日期（%(birth)s）")
            % {"what": what, "birth": child.birth_date}
        ]


@transaction.atomic
def enrol(
    *,
    actor: Any,
    child: Child,
    category: str,
    confirmed_on: dt.date | None,
    note: str = "",
) -> Enrolment:
    """The county confirms the child's entitlement under `category`."""
    _check_child(actor, child)
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if category not in benefit_categories():
        errors["category"] = [_("“%s”不是按月发放待遇的类别") % category]
    else:
        held = (
            ChildClassification.objects.filter(child=child)
            .values_list("categories", flat=True)
            .first()
        )
        if category not in (held or []):
            errors["category"] = [
                _("该儿童按现行政策目前不属于此类别，不能确认待遇；请先核实并更新儿童档案")
            ]
        elif category in RECOGNISED and not note:
            errors["note"] = [
                _(
                    "孤儿和事实无人抚养儿童须经认定申请批准；"
                    "为 Hehu 启用前已认定的儿童确认待遇时，请在说明中写明原认定文号"
                )
            ]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("说明不超过 %d 字") % NOTE_MAX]
    _check_day(errors, "confirmed_on", confirmed_on, child, _("确认日期"))
    if errors or confirmed_on is None:
        raise ValidationFailed(errors)
    return _create(actor, child, category, confirmed_on, Enrolment.Source.COUNTY, None, note)


def _create(
    actor: Any,
    child: Child,
    category: str,
    confirmed_on: dt.date,
    source: str,
    recognition: RecognitionApplication | None,
    note: str,
) -> Enrolment:
    Child.objects.select_for_update().filter(pk=child.pk).first()
    running = Enrolment.objects.filter(
        child=child, category=category, stops_month__isnull=True
    ).first()
    if running is not None:
        raise ValidationFailed(
            {"category": [_("该儿童已有此类待遇资格（%s 起发放）") % label(running.starts_month)]}
        )
    enrolment = Enrolment.objects.create(
        child=child,
        category=category,
        county_code=child.region_id[:6],
        source=source,
        recognition=recognition,
        confirmed_on=confirmed_on,
        starts_month=month_after(confirmed_on),
        note=note,
        confirmed_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _audit(
        actor,
        Verb.ENROLMENT_CONFIRMED,
        enrolment,
        {
            "category": category,
            "confirmed_on": confirmed_on.isoformat(),
            "starts_month": label(enrolment.starts_month),
            "source": source,
        },
        note,
    )
    return enrolment


@transaction.atomic
def enrol_from_recognition(*, application_id: int, **_extra: Any) -> Enrolment | None:
    """An approved recognition enrols the child from the month after confirmation (a system
    action: the county's decision is the confirmation). Idempotent."""
    application = RecognitionApplication.objects.select_related("child", "decided_by").get(
        pk=application_id
    )
    if (
        application.status != RecognitionApplication.Status.APPROVED
        or application.confirmed_from is None
    ):
        return None
    if Enrolment.objects.filter(recognition=application).exists():
        return None
    if Enrolment.objects.filter(
        child=application.child, category=application.kind, stops_month__isnull=True
    ).exists():
        return None
    return _create(
        application.decided_by,
        application.child,
        application.kind,
        application.confirmed_from,
        Enrolment.Source.RECOGNITION,
        application,
        "",
    )


@transaction.atomic
def record_change(
    *,
    actor: Any,
    child: Child,
    reason: str,
    changed_on: dt.date | None,
    note: str = "",
    categories: list[str] | None = None,
) -> list[Enrolment]:
    """A change that ends entitlements: payment stops from the month after `changed_on`.

    Death, adoption, moving out and turning 18 end every running enrolment of the child;
    a parent able to care again ends the de facto unattended one; "no longer eligible" and
    "other" end the `categories` named. Months already paid after the stop become
    overpayments.
    """
    _check_child_for_change(actor, child)
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if reason not in StopReason.values:
        errors["reason"] = [_("请选择停发原因")]
    if reason in (StopReason.NO_LONGER_ELIGIBLE, StopReason.OTHER) and not note:
        errors["note"] = [_("请写明停发的具体原因")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("说明不超过 %d 字") % NOTE_MAX]
    _check_day(errors, "changed_on", changed_on, child, _("变更发生日期"))
    if errors or changed_on is None:
        raise ValidationFailed(errors)
    running = Enrolment.objects.select_for_update().filter(child=child, stops_month__isnull=True)
    if reason in STOPS_ONLY:
        running = running.filter(category__in=STOPS_ONLY[reason])
    elif categories:
        running = running.filter(category__in=categories)
    stopping = list(running)
    if not stopping:
        raise ValidationFailed({"reason": [_("该儿童没有可停发的待遇资格")]})
    stop = month_after(changed_on)
    today = timezone.localdate()
    for enrolment in stopping:
        # A change before the start (confirmed in error): nothing was ever due.
        enrolment.stops_month = max(stop, enrolment.starts_month)
        enrolment.stop_reason = reason
        enrolment.changed_on = changed_on
        enrolment.change_recorded_on = today
        enrolment.stopped_by = actor
        enrolment.note = "\n".join(x for x in (enrolment.note, note) if x)
        enrolment.version += 1
        enrolment.save()
        _audit(
            actor,
            Verb.ENROLMENT_STOPPED,
            enrolment,
            {
                "category": enrolment.category,
                "reason": reason,
                "changed_on": changed_on.isoformat(),
                "stops_month": label(enrolment.stops_month),
            },
            note,
        )
    overpayments_after_change(
        actor=actor, child=child, since=stop, reason=str(StopReason(reason).label)
    )
    return stopping


def _check_child_for_change(actor: Any, child: Child) -> None:
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("待遇停发由县级民政部门登记"))
    if (
        not _in_reach(actor, child.region_id)
        and not Enrolment.objects.filter(
            child=child, county_code__in=[p[:6] for p in actor.prefixes if len(p) >= 6]
        ).exists()
    ):
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))


@transaction.atomic
def cancel_stop(
    *, actor: Any, enrolment: Enrolment, expected_version: int | None, note: str
) -> Enrolment:
    """Undo a stop recorded in error (the months since are then back pay)."""
    _check_child(actor, enrolment.child)
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if expected_version is None or locked.version != expected_version:
        raise ConcurrentEdit(_("该待遇资格已被其他人修改，请刷新页面后再操作。"))
    if locked.stops_month is None:
        raise ValidationFailed({"enrolment": [_("该待遇资格没有停发")]})
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": [_("请写明撤销停发的理由")]})
    if Enrolment.objects.filter(
        child=locked.child, category=locked.category, stops_month__isnull=True
    ).exists():
        raise ValidationFailed({"enrolment": [_("该儿童已有此类别正在发放的待遇资格")]})
    debts = Overpayment.objects.select_for_update().filter(
        child=locked.child,
        service_month__gte=locked.stops_month,
        status=Overpayment.Status.OPEN,
    )
    if any(d.recovered_amount > 0 or d.recovery_lines.exists() for d in debts):
        raise ValidationFailed(
            {"enrolment": [_("停发后产生的多发款已开始扣回，不能撤销停发；请先处理多发记录")]}
        )
    cancelled = debts.update(status=Overpayment.Status.CANCELLED, closed_note=note)
    before = label(locked.stops_month)
    locked.stops_month = None
    locked.stop_reason = ""
    locked.changed_on = None
    locked.change_recorded_on = None
    locked.version += 1
    locked.save()
    _audit(
        actor,
        Verb.ENROLMENT_STOPPED,
        locked,
        {"stops_month": [before, None], "cancelled": True, "overpayments_cancelled": cancelled},
        note,
    )
    return locked
