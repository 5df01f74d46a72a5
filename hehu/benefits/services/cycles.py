"""Payment cycles: generate (compiled roll), check (maker), approve (checker), freeze.

    generate_cycle(actor=officer, county_code="511502", month=date(2026, 3, 1))
    submit_cycle(actor=officer, cycle=cycle, expected_version=1)      # the maker
    approve_cycle(actor=other_officer, cycle=cycle, expected_version=2)  # the checker

A cycle is one county and one month (unique). Until approval it can be generated again (its
lines are replaced); from approval its lines and inputs are frozen: a later change of
enrolments or standards never edits it — it shows as back pay, a carried failure or a
recovery in a later cycle. The bank file, the results and reconciliation are in
hehu.benefits.services.bank and .reconcile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.models import (
    AidGrant,
    Enrolment,
    Overpayment,
    PayeeAccount,
    PaymentCycle,
    PaymentLine,
    Transfer,
)
from hehu.benefits.months import label
from hehu.benefits.roll.build import PlannedLine, build_roll
from hehu.benefits.roll.write import write_lines
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.regions.models import Region

S = PaymentCycle.Status
RETURN_REASON_MIN = 5


@dataclass(frozen=True)
class Generated:
    cycles: list[PaymentCycle]
    skipped: dict[str, str]  # county → why it was not generated


def _in_reach(actor: Any, code: str) -> bool:
    return any(code.startswith(p) for p in actor.prefixes)


def _refuse_unless(actor: Any, perm: Perm, message: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionRefused(message)


def _check_month(month: dt.date) -> None:
    if month.day != 1:
        raise ValidationFailed({"month": [_("发放月份以月份表示，例如 2026-03")]})
    latest = timezone.localdate().replace(day=1)
    if month.year * 12 + month.month > latest.year * 12 + latest.month + 1:
        raise ValidationFailed({"month": [_("只能生成本月或下月的发放名册")]})


def counties_under(prefix: str) -> list[str]:
    """The counties (6 digits) of a province, city or county code prefix."""
    if len(prefix) >= 6:
        return [prefix[:6]]
    codes = Region.objects.filter(level="county", code__startswith=prefix).values_list(
        "code", flat=True
    )
    return sorted({code[:6] for code in codes})


def _audit(
    actor: Any, verb: Verb, cycle: PaymentCycle, changes: dict[str, Any], reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type="payment_cycle",
        object_id=cycle.pk,
        changes={"cycle": cycle.number, **changes},
        reason=reason,
    )


def generate_cycles(
    *, actor: Any, region_prefix: str, month: dt.date, full_back_pay_check: bool = False
) -> Generated:
    """Generate (or generate again) the month's cycle of every county under the prefix.

    The roll of all the counties is computed at once; each county's cycle is then written in
    a transaction of its own. Counties whose cycle is approved already are skipped (and say
    why); so are counties with nothing to pay and no cycle yet.
    """
    _refuse_unless(actor, Perm.MANAGE_BENEFITS, _("发放名册由县级民政部门生成"))
    if not _in_reach(actor, region_prefix):
        raise PermissionRefused(_("只能生成本辖区的发放名册"))
    _check_month(month)
    counties = counties_under(region_prefix)
    existing = {
        c.county_code: c for c in PaymentCycle.objects.filter(county_code__in=counties, month=month)
    }
    skipped: dict[str, str] = {}
    open_counties = []
    for county in counties:
        cycle = existing.get(county)
        if cycle is not None and not cycle.editable:
            skipped[county] = _(
                "%(month)s 名册已审批（%(status)s），不能重新生成；变更将在以后的名册中补发或扣回"
            ) % {
                "month": label(month),
                "status": cycle.get_status_display(),
            }
        else:
            open_counties.append(county)
    roll = build_roll(
        open_counties,
        month,
        exclude_cycles=[c.pk for c in existing.values() if c.county_code in open_counties],
        full_back_pay_check=full_back_pay_check,
    )
    cycles = []
    for county in open_counties:
        lines = roll.lines.get(county, [])
        if not lines and county not in existing:
            continue
        cycles.append(_write(actor, county, month, lines, roll.inputs))
    return Generated(cycles=cycles, skipped=skipped)


@transaction.atomic
def _write(
    actor: Any, county: str, month: dt.date, lines: list[PlannedLine], inputs: dict[str, Any]
) -> PaymentCycle:
    cycle, created = PaymentCycle.objects.select_for_update().get_or_create(
        county_code=county,
        month=month,
        defaults={"generated_at": timezone.now(), "generated_by": actor},
    )
    if not cycle.editable:  # approved meanwhile by someone else
        raise ConcurrentEdit(_("%s 名册已被审批，没有重新生成") % cycle.number)
    write_lines(cycle, lines)
    cycle.status = S.GENERATED
    cycle.generated_at = timezone.now()
    cycle.generated_by = actor
    cycle.submitted_at = None
    cycle.submitted_by = None
    cycle.inputs = {**inputs, "counties": [county]}
    if not created:
        cycle.version += 1
    cycle.save()
    _audit(
        actor,
        Verb.CYCLE_GENERATED,
        cycle,
        {
            "children": cycle.children,
            "total": str(cycle.total_amount),
            "held": str(cycle.held_amount),
            "again": not created,
        },
    )
    return cycle


def generate_and_check(*, actor: Any, region_prefix: str, month: dt.date) -> Generated:
    """Generate the month's cycles under the prefix, then run the fund-use checks on each
    (what the desk, the API and the Celery task do: a roll is never shown unchecked)."""
    from hehu.benefits.anomalies.service import check_cycle

    result = generate_cycles(actor=actor, region_prefix=region_prefix, month=month)
    checked = [check_cycle(cycle=cycle, actor=actor).cycle for cycle in result.cycles]
    return Generated(cycles=checked, skipped=result.skipped)


def generate_cycle(*, actor: Any, county_code: str, month: dt.date) -> PaymentCycle:
    """One county's cycle (created with no lines when there is nothing to pay)."""
    result = generate_cycles(actor=actor, region_prefix=county_code[:6], month=month)
    if county_code[:6] in result.skipped:
        raise ValidationFailed({"month": [result.skipped[county_code[:6]]]})
    if result.cycles:
        return result.cycles[0]
    return _write(actor, county_code[:6], month, [], {"month": label(month)})


def changes_since_generation(cycle: PaymentCycle) -> list[str]:
    """What changed in the county's benefit records after the roll was generated."""
    since = cycle.generated_at
    county = cycle.county_code
    found = []
    if Enrolment.objects.filter(county_code=county, updated_at__gt=since).exists():
        found.append(_("待遇资格有变更（确认或停发）"))
    if PayeeAccount.objects.filter(
        child__region__code__startswith=county, updated_at__gt=since
    ).exists():
        found.append(_("收款账户有变更"))
    if AidGrant.objects.filter(county_code=county, updated_at__gt=since).exists():
        found.append(_("临时性救助有变更"))
    if Overpayment.objects.filter(county_code=county, updated_at__gt=since).exists():
        found.append(_("多发待追回有变更"))
    if PaymentCycle.objects.filter(
        county_code=county, month__lt=cycle.month, reconciled_at__gt=since
    ).exists():
        found.append(_("上期名册对账后有未发放成功的款项需要续发"))
    return found


def _locked(cycle: PaymentCycle, expected_version: int | None) -> PaymentCycle:
    locked = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
    if expected_version is None or locked.version != expected_version:
        raise ConcurrentEdit(
            _("名册 %(n)s 已被其他人处理（现为第 %(v)s 版），请刷新页面后再操作。")
            % {"n": locked.number, "v": locked.version}
        )
    return locked


def _refuse_if_stale(cycle: PaymentCycle) -> None:
    changes = changes_since_generation(cycle)
    if changes:
        raise ValidationFailed(
            {
                "cycle": [
                    _("名册生成后有以下变更，请重新生成名册后再复核或审批：%s") % "；".join(changes)
                ]
            }
        )


@transaction.atomic
def submit_cycle(*, actor: Any, cycle: PaymentCycle, expected_version: int | None) -> PaymentCycle:
    """The maker has checked the roll and submits it for approval."""
    _refuse_unless(actor, Perm.MANAGE_BENEFITS, _("发放名册由县级民政部门复核"))
    if not _in_reach(actor, cycle.county_code):
        raise PermissionRefused(_("只能复核本辖区的发放名册"))
    cycle = _locked(cycle, expected_version)
    if cycle.status != S.GENERATED:
        raise ValidationFailed(
            {"cycle": [_("只有待复核的名册可以提交审批（现为：%s）") % cycle.get_status_display()]}
        )
    _refuse_if_stale(cycle)
    cycle.status = S.SUBMITTED
    cycle.submitted_at = timezone.now()
    cycle.submitted_by = actor
    cycle.returned_reason = ""
    cycle.version += 1
    cycle.save()
    _audit(actor, Verb.CYCLE_SUBMITTED, cycle, {"status": [S.GENERATED, S.SUBMITTED]})
    return cycle


def _refuse_own_roll(actor: Any, cycle: PaymentCycle) -> None:
    if actor.pk in (cycle.generated_by_id, cycle.submitted_by_id):
        raise PermissionRefused(
            _("审批人不能是名册的生成人或复核人：请由另一位有审批权限的同事审批")
        )


@transaction.atomic
def return_cycle(
    *, actor: Any, cycle: PaymentCycle, reason: str, expected_version: int | None
) -> PaymentCycle:
    """The checker sends the roll back to the maker with a reason."""
    _refuse_unless(actor, Perm.APPROVE_PAYMENTS, _("只有有审批权限的人员可以退回名册"))
    if not _in_reach(actor, cycle.county_code):
        raise PermissionRefused(_("只能处理本辖区的发放名册"))
    cycle = _locked(cycle, expected_version)
    if cycle.status != S.SUBMITTED:
        raise ValidationFailed({"cycle": [_("只有待审批的名册可以退回")]})
    reason = (reason or "").strip()
    if len(reason) < RETURN_REASON_MIN:
        raise ValidationFailed(
            {"reason": [_("请写明退回理由（至少 %d 个字）") % RETURN_REASON_MIN]}
        )
    cycle.status = S.GENERATED
    cycle.returned_reason = reason
    cycle.version += 1
    cycle.save()
    _audit(actor, Verb.CYCLE_RETURNED, cycle, {"status": [S.SUBMITTED, S.GENERATED]}, reason)
    return cycle


def lines_digest(cycle: PaymentCycle) -> str:
    """A digest of the roll's lines (child, programme, month, kind, amount, status)."""
    digest = hashlib.sha256()
    for row in (
        PaymentLine.objects.filter(cycle=cycle)
        .order_by("child_id", "service_month", "programme", "kind", "amount")
        .values_list("child_id", "programme", "service_month", "kind", "amount")
    ):
        digest.update("|".join(str(v) for v in row).encode() + b"\n")
    return digest.hexdigest()


@transaction.atomic
def approve_cycle(*, actor: Any, cycle: PaymentCycle, expected_version: int | None) -> PaymentCycle:
    """The checker approves: the roll and its inputs are frozen from here."""
    _refuse_unless(actor, Perm.APPROVE_PAYMENTS, _("只有有审批权限的人员可以审批名册"))
    if not _in_reach(actor, cycle.county_code):
        raise PermissionRefused(_("只能审批本辖区的发放名册"))
    cycle = _locked(cycle, expected_version)
    if cycle.status != S.SUBMITTED:
        raise ValidationFailed(
            {"cycle": [_("只有已复核的名册可以审批（现为：%s）") % cycle.get_status_display()]}
        )
    _refuse_own_roll(actor, cycle)
    _refuse_if_stale(cycle)
    now = timezone.now()
    # A transfer of nothing (a payment wholly offset by a recovery) needs no bank.
    zero = Transfer.objects.filter(cycle=cycle, status=Transfer.Status.PENDING, amount=0)
    PaymentLine.objects.filter(transfer__in=zero).update(status=PaymentLine.Status.PAID)
    zero.update(status=Transfer.Status.PAID, result_at=now, bank_reference="offset")
    cycle.status = S.APPROVED
    cycle.approved_at = now
    cycle.approved_by = actor
    cycle.lines_digest = lines_digest(cycle)
    cycle.version += 1
    cycle.save()
    _audit(
        actor,
        Verb.CYCLE_APPROVED,
        cycle,
        {
            "status": [S.SUBMITTED, S.APPROVED],
            "digest": cycle.lines_digest,
            "total": str(cycle.total_amount),
        },
    )
    return cycle


def refuse_frozen(cycle: PaymentCycle) -> None:
    """For any service about to change a cycle's roll."""
    if not cycle.editable:
        raise ValidationFailed({"cycle": [_("名册已审批，不能再修改（%s）") % cycle.number]})


def cycles_of(counties: Sequence[str], month: dt.date) -> list[PaymentCycle]:
    return list(PaymentCycle.objects.filter(county_code__in=counties, month=month))
