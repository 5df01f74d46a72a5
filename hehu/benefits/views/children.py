"""A child's benefits page (linked from the child's file): this month's entitlement with
its reasons in the user's language, the enrolments with their start, stop and why, the
payee account (masked), the payments, one-off aid and overpayments. Read-only for those who
may see benefits without managing them (village directors, township supervisors).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.models import AidGrant, Enrolment, Transfer
from hehu.benefits.selectors import (
    BenefitRecord,
    access_benefit_child_by_id,
    category_labels,
    child_benefit_record,
    programme_labels,
)
from hehu.benefits.views.common import AuthedRequest, in_language, labelled
from hehu.policy.engine.model import Text


def _this_month(record: BenefitRecord, labels: dict[str, Text]) -> dict[str, Any]:
    found = record.entitlements
    return {
        "paid": [
            {
                "programme": labelled(e.programme, labels),
                "amount": e.monthly_amount,
                "reasons": [in_language(r) for r in e.reasons],
            }
            for e in found.paid
        ],
        "passed": [
            {"programme": labelled(p.programme, labels), "reason": in_language(p.reason)}
            for p in found.passed
        ],
        "total": found.total,
    }


def _enrolments(enrolments: list[Enrolment], manage: bool) -> list[dict[str, Any]]:
    labels = category_labels()
    return [
        {
            "enrolment": e,
            "category": labelled(e.category, labels),
            "may_cancel_stop": manage and e.stops_month is not None,
        }
        for e in enrolments
    ]


def _transfers(transfers: list[Transfer], labels: dict[str, Text]) -> list[dict[str, Any]]:
    return [
        {
            "transfer": t,
            "why": t.hold_reason or t.failure_reason,
            "lines": [
                {"line": line, "programme": labelled(line.programme, labels)}
                for line in t.lines.all()
            ],
        }
        for t in transfers
    ]


def _grants(grants: list[AidGrant], labels: dict[str, Text], manage: bool) -> list[dict[str, Any]]:
    return [
        {
            "grant": g,
            "programme": labelled(g.programme, labels),
            "may_cancel": manage and not g.cancelled,
        }
        for g in grants
    ]


@login_required
@require_GET
def child_benefits(request: AuthedRequest, child_id: int) -> HttpResponse:
    """The child's benefits (404 whether hidden, missing, or the role may not see them)."""
    child = access_benefit_child_by_id(request.user, child_id)
    record = child_benefit_record(child=child)
    manage = has_perm(request.user, Perm.MANAGE_BENEFITS)
    labels = programme_labels()
    context = {
        "child": child,
        "record": record,
        "month": record.month,
        "this_month": _this_month(record, labels),
        "enrolments": _enrolments(record.enrolments, manage),
        "account": record.account,
        "transfers": _transfers(record.transfers, labels),
        "grants": _grants(record.aid_grants, labels, manage),
        "overpayments": [
            {"debt": d, "programme": labelled(d.programme, labels)} for d in record.overpayments
        ],
        "may_manage": manage,
        "running": any(e.stops_month is None for e in record.enrolments),
    }
    response = render(request, "benefits/child_benefits.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("children/<int:child_id>/benefits/", child_benefits, name="child_benefits"),
]
