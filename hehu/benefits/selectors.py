"""Every read of benefit records that crosses a user's jurisdiction (services write).

Payment cycles belong to a county: a user reaches a cycle when its county code starts with
one of the user's region prefixes (a county officer's six digits, a city's four, a
province's two); a village director or a township supervisor reaches no roll. A child's
benefits are read through the child's file (`access_benefit_child_by_id`): 404 whether the
file is hidden, missing, or the user's role may not see benefits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.catalogue import standards
from hehu.benefits.child_entitlements import entitlements_of
from hehu.benefits.models import (
    AidGrant,
    Enrolment,
    Overpayment,
    PayeeAccount,
    PaymentCycle,
    PaymentLine,
    Transfer,
)
from hehu.benefits.months import month_of
from hehu.benefits.services.enrolments import benefit_categories
from hehu.benefits.standards.entitlements import MonthEntitlements
from hehu.core.errors import ValidationFailed
from hehu.policy.engine.model import Text
from hehu.policy.services.policies import policies_in_force
from hehu.regions.models import Region
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to, region_scope_q

HISTORY_TRANSFERS = 36  # three years of monthly payments on a child's page


# -- jurisdiction ------------------------------------------------------------------------------
def may_handle_payments(user: Any) -> bool:
    """Rolls are the county's: made by the maker, approved by the checker."""
    return has_perm(user, Perm.MANAGE_BENEFITS) or has_perm(user, Perm.APPROVE_PAYMENTS)


def county_scope_q(prefixes: list[str], *, field: str = "county_code") -> Q:
    """Rows whose county code (6 digits) lies under one of the prefixes. A prefix longer
    than a county's (a township, a village) reaches no county's roll."""
    reaching = [p for p in prefixes if len(p) <= 6]
    if "" in reaching:
        return Q()
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in reaching), Q(pk__in=[]))


def reaches_county(user: Any, county_code: str) -> bool:
    return any(len(p) <= 6 and county_code.startswith(p) for p in user.prefixes)


def counties_in_reach(user: Any) -> list[Region]:
    """The counties (region rows, by code) under the user's prefixes."""
    reaching = [p for p in user.prefixes if len(p) <= 6]
    if not reaching:
        return []
    return list(
        Region.objects.filter(region_scope_q(reaching, field="code"), level=Region.Level.COUNTY)
        .only("code", "name")
        .order_by("code")
    )


def county_names(codes: list[str]) -> dict[str, str]:
    """County code (6 digits) → its name, for the codes given."""
    full = [c.ljust(12, "0") for c in codes]
    return {r.code[:6]: r.name for r in Region.objects.filter(code__in=full).only("code", "name")}


# -- payment cycles ----------------------------------------------------------------------------
def cycles_visible_to(*, user: Any, month: dt.date | None = None) -> QuerySet[PaymentCycle]:
    """The cycles of the counties the user reaches, latest month first."""
    if not may_handle_payments(user):
        return PaymentCycle.objects.none()
    cycles = PaymentCycle.objects.filter(county_scope_q(user.prefixes))
    if month is not None:
        cycles = cycles.filter(month=month_of(month))
    return cycles.select_related("generated_by", "submitted_by", "approved_by").order_by(
        "-month", "county_code"
    )


def access_cycle_by_id(user: Any, cycle_id: int | str) -> PaymentCycle:
    """A cycle the user may handle: 404 whether it is outside their counties or missing."""
    try:
        pk = int(cycle_id)
    except (TypeError, ValueError):
        raise Http404 from None
    cycle = (
        cycles_visible_to(user=user)
        .select_related("exported_by", "reconciled_by")
        .filter(pk=pk)
        .first()
    )
    if cycle is None:
        raise Http404
    return cycle


def cycle_actions_for(user: Any, cycle: PaymentCycle) -> dict[str, bool]:
    """What this user may do with the cycle at its status: the maker submits; the checker
    returns or approves, never a roll they generated or submitted (`own_roll` says why)."""
    manage = has_perm(user, Perm.MANAGE_BENEFITS)
    decide = has_perm(user, Perm.APPROVE_PAYMENTS) and cycle.status == PaymentCycle.Status.SUBMITTED
    own = user.pk in (cycle.generated_by_id, cycle.submitted_by_id)
    return {
        "may_submit": manage and cycle.status == PaymentCycle.Status.GENERATED,
        "may_regenerate": manage and cycle.editable,
        "may_return": decide,
        "may_approve": decide and not own,
        "own_roll": decide and own,
    }


def cycle_lines(
    *,
    cycle: PaymentCycle,
    status: str = "",
    kind: str = "",
    back_pay: bool = False,
    recovery: bool = False,
) -> QuerySet[PaymentLine]:
    """A cycle's lines in the order of its transfers; `back_pay`: lines for a month before
    the cycle's; `recovery`: deductions of earlier overpayments."""
    errors: dict[str, list[Any]] = {}
    if status and status not in PaymentLine.Status.values:
        errors["status"] = [_("状态应为：%s") % "、".join(PaymentLine.Status.values)]
    if kind and kind not in PaymentLine.Kind.values:
        errors["kind"] = [_("类型应为：%s") % "、".join(PaymentLine.Kind.values)]
    if errors:
        raise ValidationFailed(errors)
    lines = PaymentLine.objects.filter(cycle=cycle)
    if status:
        lines = lines.filter(status=status)
    if kind:
        lines = lines.filter(kind=kind)
    if back_pay:
        lines = lines.filter(service_month__lt=cycle.month)
    if recovery:
        lines = lines.filter(Q(kind=PaymentLine.Kind.RECOVERY) | Q(overpayment__isnull=False))
    return lines.select_related("child", "transfer").order_by(
        "transfer_id", "service_month", "programme", "pk"
    )


def cycle_transfers(*, cycle: PaymentCycle, statuses: list[str]) -> QuerySet[Transfer]:
    """A cycle's transfers in these states (held: why; failed: the bank's reason)."""
    return (
        Transfer.objects.filter(cycle=cycle, status__in=statuses)
        .select_related("child")
        .order_by("reference")
    )


# -- the county's desk -------------------------------------------------------------------------
def _holds(category: str, field: str = "classification__categories") -> Q:
    # Category codes are identifiers: the quoted code matches one element of the JSON list
    # (PostgreSQL and SQLite alike, as hehu.policy.gaps does).
    return Q(**{f"{field}__icontains": f'"{category}"'})


def _running(category: str) -> Exists:
    return Exists(
        Enrolment.objects.filter(child=OuterRef("pk"), category=category, stops_month__isnull=True)
    )


def candidates_to_confirm(*, user: Any, region: str = "") -> QuerySet[Child]:
    """Children the user may open whose current classification holds a category some monthly
    programme pays for, without a running enrolment of that category. Counted and paged in
    the database; `missing_categories` tells, per page, which categories are missing."""
    if not has_perm(user, Perm.MANAGE_BENEFITS):
        return Child.objects.none()
    missing = reduce(
        or_, (_holds(c) & ~_running(c) for c in sorted(benefit_categories())), Q(pk__in=[])
    )
    children = children_visible_to(user=user).filter(missing)
    if region:
        children = children.filter(region_scope_q([region], field="region_id"))
    return children.select_related("region", "classification").order_by("region_id", "name", "pk")


def missing_categories(children: list[Child]) -> dict[int, list[str]]:
    """For each child (of a page of `candidates_to_confirm`), the benefit categories held
    without a running enrolment."""
    paying = benefit_categories()
    running: set[tuple[int, str]] = set(
        Enrolment.objects.filter(
            child__in=[c.pk for c in children], stops_month__isnull=True
        ).values_list("child_id", "category")
    )
    out: dict[int, list[str]] = {}
    for child in children:
        held = getattr(getattr(child, "classification", None), "categories", None) or []
        out[child.pk] = [c for c in held if c in paying and (child.pk, c) not in running]
    return out


def enrolments_to_review(*, user: Any) -> QuerySet[Enrolment]:
    """Running enrolments of the user's counties whose child no longer holds the category
    under the current classification (or whose file was merged or closed): to stop, or to
    check the child's file."""
    if not has_perm(user, Perm.MANAGE_BENEFITS):
        return Enrolment.objects.none()
    paying = sorted(benefit_categories())
    field = "child__classification__categories"
    no_longer = reduce(
        or_,
        (Q(category=c, child__classification__isnull=False) & ~_holds(c, field) for c in paying),
        ~Q(category__in=paying) | ~Q(child__status=Child.Status.ACTIVE),
    )
    return (
        Enrolment.objects.filter(county_scope_q(user.prefixes), stops_month__isnull=True)
        .filter(no_longer)
        .select_related("child", "child__region")
        .order_by("county_code", "child__name", "category", "pk")
    )


def open_overpayments(*, user: Any) -> QuerySet[Overpayment]:
    """Overpayments of the user's counties still to recover, oldest found first."""
    if not has_perm(user, Perm.MANAGE_BENEFITS):
        return Overpayment.objects.none()
    return (
        Overpayment.objects.filter(county_scope_q(user.prefixes), status=Overpayment.Status.OPEN)
        .select_related("child")
        .order_by("detected_on", "pk")
    )


def _by_id(queryset: QuerySet[Any], record_id: int | str) -> Any:
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def access_enrolment_by_id(user: Any, enrolment_id: int | str) -> Enrolment:
    """An enrolment of the user's counties (404 otherwise, or for a role without benefits)."""
    if not has_perm(user, Perm.VIEW_BENEFITS):
        raise Http404
    enrolments = Enrolment.objects.filter(county_scope_q(user.prefixes)).select_related("child")
    enrolment: Enrolment = _by_id(enrolments, enrolment_id)
    return enrolment


def access_aid_grant_by_id(user: Any, grant_id: int | str) -> AidGrant:
    if not has_perm(user, Perm.VIEW_BENEFITS):
        raise Http404
    grants = AidGrant.objects.filter(county_scope_q(user.prefixes)).select_related("child")
    grant: AidGrant = _by_id(grants, grant_id)
    return grant


def access_overpayment_by_id(user: Any, overpayment_id: int | str) -> Overpayment:
    if not has_perm(user, Perm.VIEW_BENEFITS):
        raise Http404
    debts = Overpayment.objects.filter(county_scope_q(user.prefixes)).select_related("child")
    debt: Overpayment = _by_id(debts, overpayment_id)
    return debt


# -- a child's benefits ------------------------------------------------------------------------
def access_benefit_child_by_id(user: Any, child_id: int | str) -> Child:
    """The child whose benefits are asked for: a file the user may open, or (for the county
    that pays) a child with an enrolment of the user's counties whose file has moved away.
    404 whether hidden, missing, or the role may not see benefits."""
    if not has_perm(user, Perm.VIEW_BENEFITS):
        raise Http404
    try:
        pk = int(child_id)
    except (TypeError, ValueError):
        raise Http404 from None
    child = children_visible_to(user=user).select_related("region").filter(pk=pk).first()
    if child is None and has_perm(user, Perm.MANAGE_BENEFITS):
        paid_here = Enrolment.objects.filter(county_scope_q(user.prefixes), child=OuterRef("pk"))
        child = (
            Child.objects.filter(pk=pk, status=Child.Status.ACTIVE)
            .filter(Exists(paid_here))
            .select_related("region")
            .first()
        )
    if child is None:
        raise Http404
    return child


@dataclass(frozen=True)
class BenefitRecord:
    """What a child's benefits page and API show."""

    month: dt.date
    entitlements: MonthEntitlements
    enrolments: list[Enrolment]
    account: PayeeAccount | None
    transfers: list[Transfer]  # latest month first, with their lines and cycle
    aid_grants: list[AidGrant]
    overpayments: list[Overpayment]


def child_benefit_record(*, child: Child, month: dt.date | None = None) -> BenefitRecord:
    month = month_of(month or timezone.localdate())
    enrolments = list(
        Enrolment.objects.filter(child=child)
        .select_related("confirmed_by", "stopped_by")
        .order_by("-starts_month", "category", "-pk")
    )
    transfers = list(
        Transfer.objects.filter(child=child)
        .select_related("cycle")
        .prefetch_related("lines")
        .order_by("-cycle__month", "-pk")[:HISTORY_TRANSFERS]
    )
    return BenefitRecord(
        month=month,
        entitlements=entitlements_of(child, month, enrolments),
        enrolments=enrolments,
        account=PayeeAccount.objects.filter(child=child, active=True).first(),
        transfers=transfers,
        aid_grants=list(AidGrant.objects.filter(child=child).order_by("-pay_month", "-pk")),
        overpayments=list(
            Overpayment.objects.filter(child=child).order_by("-service_month", "-pk")
        ),
    )


# -- labels ------------------------------------------------------------------------------------
def programme_labels() -> dict[str, Text]:
    """Programme code → its name in both languages (the benefit standards)."""
    return {code: p.label for code, p in standards().programmes.items()}


def category_labels() -> dict[str, Text]:
    """Category code → its name in both languages (the policies in force)."""
    labels: dict[str, Text] = {}
    policy_set, _by_ref = policies_in_force()
    for policy in policy_set.all():
        for category in policy.categories:
            labels.setdefault(category.code, category.name)
    return labels
