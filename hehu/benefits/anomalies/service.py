"""Recording anomalies, their work items, and their resolution.

    check_cycle(cycle=cycle)            # after every generation (Celery), and on demand
    resolve_anomaly(actor=officer, anomaly=a, outcome="explained", note="…", expected_version=1)

An anomaly is recorded once per cycle, kind and child (or account); each new one opens a
work item for the county's civil affairs, due in `anomaly_working_days` working days. Found
before approval, a death, age-out, exit or double payment holds the child's transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.anomalies.checks import CHECKS, HOLDING, Found, _parameter
from hehu.benefits.models import Anomaly, PaymentCycle, PaymentLine, Transfer
from hehu.cases.clocks import working_days_after
from hehu.cases.models import Level, Visit, WorkItem
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed

OBJECT = "benefit_anomaly"
NOTE_MIN = 5


@dataclass(frozen=True)
class Checked:
    cycle: PaymentCycle
    found: int
    new: int
    held: int


def _open_item(anomaly: Anomaly) -> None:
    today = timezone.localdate()
    days = int(_parameter("anomaly_working_days", anomaly.county_code, today.replace(day=1), 10))
    work_item_open(
        kind=WorkItem.Kind.BENEFIT_ANOMALY,
        child_id=anomaly.child_id,
        region_code=anomaly.county_code.ljust(12, "0"),
        level=Level.COUNTY,
        due=working_days_after(today, days),
        rule=rule(
            f"发现资金发放异常后 {days} 个工作日内核查处理",
            f"look into a payment anomaly within {days} working days",
        ),
        object_type=OBJECT,
        object_id=anomaly.pk,
    )


def _record(county: str, cycle: PaymentCycle | None, found: Found) -> Anomaly | None:
    """The anomaly, new, or None when it was found before (same cycle, kind, child/account)."""
    try:
        with transaction.atomic():
            same = Anomaly.objects.filter(
                cycle=cycle, kind=found.kind, account_index=found.account_index
            )
            existing = (
                same.filter(child__isnull=True)
                if found.child_id is None
                else same.filter(child_id=found.child_id)
            ).first()
            if existing is not None:
                return None
            anomaly = Anomaly.objects.create(
                cycle=cycle,
                kind=found.kind,
                child_id=found.child_id,
                account_index=found.account_index,
                county_code=county,
                evidence=found.evidence,
            )
    except IntegrityError:  # found by a concurrent check
        return None
    _open_item(anomaly)
    return anomaly


def _hold(cycle: PaymentCycle, child_ids: dict[int, str]) -> int:
    """Hold the pending transfers of these children (child → why); the number held."""
    held = 0
    transfers = cycle.transfers.filter(
        child_id__in=list(child_ids), status=Transfer.Status.PENDING
    ).only("pk", "child_id")
    for transfer in transfers:
        Transfer.objects.filter(pk=transfer.pk).update(
            status=Transfer.Status.HELD, hold_reason=child_ids[transfer.child_id][:200]
        )
        held += 1
    PaymentLine.objects.filter(
        cycle=cycle, child_id__in=list(child_ids), status=PaymentLine.Status.PENDING
    ).update(status=PaymentLine.Status.HELD)
    return held


def _record_all(cycle: PaymentCycle, found: list[Found]) -> int:
    """Record what was not found before in this cycle, with a work item each (in bulk:
    a county with no visits has one finding per paid child)."""
    known: set[tuple[str, int | None, str]] = set(
        Anomaly.objects.filter(cycle=cycle).values_list("kind", "child_id", "account_index")
    )
    fresh: list[Anomaly] = []
    for item in found:
        key = (item.kind, item.child_id, item.account_index)
        if key in known:
            continue
        known.add(key)
        fresh.append(
            Anomaly(
                cycle=cycle,
                kind=item.kind,
                child_id=item.child_id,
                account_index=item.account_index,
                county_code=cycle.county_code,
                evidence=item.evidence,
            )
        )
    created = Anomaly.objects.bulk_create(fresh, batch_size=2000)
    today = timezone.localdate()
    days = int(_parameter("anomaly_working_days", cycle.county_code, today.replace(day=1), 10))
    due = working_days_after(today, days)
    why = rule(
        f"发现资金发放异常后 {days} 个工作日内核查处理",
        f"look into a payment anomaly within {days} working days",
    )
    WorkItem.objects.bulk_create(
        [
            WorkItem(
                kind=WorkItem.Kind.BENEFIT_ANOMALY,
                child_id=anomaly.child_id,
                region_code=cycle.county_code.ljust(12, "0"),
                origin_level=Level.COUNTY,
                level=Level.COUNTY,
                due_on=due.on,
                provisional=due.provisional,
                rule=why,
                object_type=OBJECT,
                object_id=anomaly.pk,
            )
            for anomaly in created
        ],
        batch_size=2000,
    )
    return len(created)


@transaction.atomic
def check_cycle(*, cycle: PaymentCycle, actor: Any = None) -> Checked:
    """Run every check on the cycle's roll; record what is new; hold where needed."""
    cycle = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
    found = [item for check in CHECKS for item in check(cycle)]
    new = _record_all(cycle, found)
    held = 0
    if cycle.editable:
        holding: dict[int, str] = {}
        for item in found:  # the first finding (death before exit) gives the reason
            if item.kind in HOLDING and item.child_id is not None:
                holding.setdefault(item.child_id, _("资金发放异常：") + item.zh)
        held = _hold(cycle, holding) if holding else 0
    if held:
        from hehu.benefits.roll.write import totals

        totals(cycle)
        cycle.save(update_fields=["children", "total_amount", "held_amount"])
    audit_record(
        actor=actor,
        verb=Verb.ANOMALIES_CHECKED,
        object_type="payment_cycle",
        object_id=cycle.pk,
        changes={"cycle": cycle.number, "found": len(found), "new": new, "held": held},
    )
    return Checked(cycle=cycle, found=len(found), new=new, held=held)


def support_not_reached(*, visit_id: int, **_extra: Any) -> Anomaly | None:
    """A visit found the support did not (fully) reach the child: an anomaly at once."""
    visit = Visit.objects.select_related("case").get(pk=visit_id)
    county = visit.case.region_code[:6]
    return _record(
        county,
        None,
        Found(
            Anomaly.Kind.SUPPORT_NOT_REACHED,
            f"{visit.visited_on} 走访："
            f"{visit.get_support_reached_display()}（{visit.support_note}）",
            f"visit of {visit.visited_on}: support {visit.support_reached} ({visit.support_note})",
            child_id=visit.case.child_id,
            facts={"visit": visit.pk, "visited_on": str(visit.visited_on)},
        ),
    )


@transaction.atomic
def resolve_anomaly(
    *, actor: Any, anomaly: Anomaly, outcome: str, note: str, expected_version: int | None
) -> Anomaly:
    """The county explains the anomaly (no problem) or confirms it (and says what was done:
    stopped, recovered, account corrected)."""
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("资金发放异常由县级民政部门核查处理"))
    if not any(anomaly.county_code.startswith(p) for p in actor.prefixes):
        raise PermissionRefused(_("只能处理本辖区的资金发放异常"))
    locked = Anomaly.objects.select_for_update().get(pk=anomaly.pk)
    if expected_version is None or locked.version != expected_version:
        raise ConcurrentEdit(_("该异常已被其他人处理，请刷新页面后再操作。"))
    if locked.status != Anomaly.Status.OPEN:
        raise ValidationFailed({"outcome": [_("该异常已处理（%s）") % locked.get_status_display()]})
    if outcome not in (Anomaly.Status.EXPLAINED, Anomaly.Status.CONFIRMED):
        raise ValidationFailed({"outcome": [_("请选择核查结论：核实无误，或确认异常并已处理")]})
    note = (note or "").strip()
    if len(note) < NOTE_MIN:
        raise ValidationFailed({"note": [_("请写明核查情况和处理结果（至少 %d 个字）") % NOTE_MIN]})
    locked.status = outcome
    locked.resolution = note
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor
    locked.version += 1
    locked.save()
    work_items_done(object_type=OBJECT, object_id=locked.pk)
    audit_record(
        actor=actor,
        verb=Verb.ANOMALY_RESOLVED,
        object_type=OBJECT,
        object_id=locked.pk,
        child_id=locked.child_id,
        changes={"status": [Anomaly.Status.OPEN, outcome], "kind": locked.kind},
        reason=note,
    )
    return locked
