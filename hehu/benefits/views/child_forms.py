"""The forms that change a child's benefits (county civil affairs): confirm an enrolment,
record a change that stops payment, undo a stop recorded in error, record or replace the
payee account (never shown back in full), grant one-off aid and cancel it.

Thin: access (404 whether hidden or missing), then the services decide; a refusal is shown
next to its field with every answer kept, and a concurrent edit says so (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hehu.accounts.permissions import Perm
from hehu.benefits.forms import (
    AccountForm,
    AidCancelForm,
    AidForm,
    CancelStopForm,
    ChangeForm,
    EnrolForm,
)
from hehu.benefits.models import Enrolment, PayeeAccount
from hehu.benefits.selectors import (
    access_aid_grant_by_id,
    access_benefit_child_by_id,
    access_enrolment_by_id,
    category_labels,
    missing_categories,
    programme_labels,
)
from hehu.benefits.services.accounts import save_account
from hehu.benefits.services.aid import cancel_aid, grant_aid, one_off_programmes
from hehu.benefits.services.enrolments import benefit_categories, cancel_stop, enrol, record_change
from hehu.benefits.views.common import AuthedRequest, form_page, labelled, refused, require
from hehu.core.errors import ApplicationError, ConcurrentEdit
from hehu.core.forms import RefusalForm
from hehu.registry.models import Child

Submit = Callable[[dict[str, Any]], None]  # calls the service with the form's cleaned data


def _page(child: Child, name: str, title: str, submit: str, *args: Any, **more: Any) -> Any:
    return {
        "child": child,
        "title": title,
        "submit": submit,
        "action": reverse(f"benefits:{name}", args=args or [child.pk]),
        **more,
    }


def _handle(
    request: AuthedRequest,
    form: RefusalForm,
    page: dict[str, Any],
    call: Submit,
    done: str,
    child_id: int,
    latest: Callable[[], dict[str, Any]] | None = None,
) -> HttpResponse:
    """Validate, call the service, show a refusal in the form; a concurrent edit (409)
    shows the record as it is now (`latest`) beside what this user typed."""
    if not form.is_valid():
        return form_page(request, form, status=400, **page)
    try:
        call(form.cleaned_data)
    except ConcurrentEdit as exc:
        page.update(latest() if latest is not None else {})
        return form_page(request, form, status=409, conflict=str(exc.message), **page)
    except ApplicationError as exc:
        status = refused(form, exc)
        return form_page(request, form, status=status, **page)
    messages.success(request, done)
    return redirect("benefits:child_benefits", child_id=child_id)


def _enrol_choices(child: Child) -> list[tuple[str, str]]:
    labels = category_labels()
    held = missing_categories([child]).get(child.pk, [])
    codes = held or sorted(benefit_categories())
    return [(c, labelled(c, labels)) for c in codes]


@login_required
@require_http_methods(["GET", "POST"])
def enrol_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Confirm the child's entitlement under a category (paid from the month after)."""
    child = access_benefit_child_by_id(request.user, child_id)
    require(request.user, Perm.MANAGE_BENEFITS)
    choices = _enrol_choices(child)
    page = _page(
        child,
        "enrol",
        _("确认待遇资格"),
        _("确认"),
        intro=_("按现行认定，儿童属于下列类别。确认后从确认日期的次月起列入发放名册。"),
    )
    if request.method != "POST":
        initial: dict[str, Any] = {"confirmed_on": timezone.localdate()}
        if len(choices) == 1:
            initial["category"] = choices[0][0]
        return form_page(request, EnrolForm(initial=initial, categories=choices), **page)
    form = EnrolForm(request.POST, categories=choices)

    def call(data: dict[str, Any]) -> None:
        enrol(
            actor=request.user,
            child=child,
            category=data["category"],
            confirmed_on=data["confirmed_on"],
            note=data["note"],
        )

    return _handle(request, form, page, call, _("待遇资格已确认。"), child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def change_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Record a change (death, 18, adoption, moving out, a parent able to care, other):
    payment stops from the month after it happened."""
    child = access_benefit_child_by_id(request.user, child_id)
    require(request.user, Perm.MANAGE_BENEFITS)
    labels = category_labels()
    running = [
        (e.category, labelled(e.category, labels))
        for e in Enrolment.objects.filter(child=child, stops_month__isnull=True)
    ]
    page = _page(
        child,
        "change",
        _("登记变更，停发待遇"),
        _("登记变更"),
        intro=_("已按月发放的月份如在停发之后，将记为多发待追回，从以后的发放中扣回。"),
        nothing_running=not running,
    )
    if request.method != "POST":
        return form_page(request, ChangeForm(running=running), **page)
    form = ChangeForm(request.POST, running=running)

    def call(data: dict[str, Any]) -> None:
        record_change(
            actor=request.user,
            child=child,
            reason=data["reason"],
            changed_on=data["changed_on"],
            note=data["note"],
            categories=list(data["categories"]) or None,
        )

    return _handle(request, form, page, call, _("变更已登记，待遇从变更次月起停发。"), child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_stop_page(request: AuthedRequest, enrolment_id: int) -> HttpResponse:
    """Undo a stop recorded in error (the months since become back pay)."""
    enrolment = access_enrolment_by_id(request.user, enrolment_id)
    require(request.user, Perm.MANAGE_BENEFITS)
    child = enrolment.child
    page = _page(
        child,
        "cancel_stop",
        _("撤销停发"),
        _("撤销停发"),
        enrolment.pk,
        intro=_("%(category)s：%(month)s 起停发（%(reason)s）。撤销后，停发以来的月份将补发。")
        % {
            "category": labelled(enrolment.category, category_labels()),
            "month": f"{enrolment.stops_month:%Y-%m}" if enrolment.stops_month else "—",
            "reason": enrolment.get_stop_reason_display() or "—",
        },
    )
    if request.method != "POST":
        return form_page(request, CancelStopForm(initial={"version": enrolment.version}), **page)
    form = CancelStopForm(request.POST)

    def call(data: dict[str, Any]) -> None:
        cancel_stop(
            actor=request.user,
            enrolment=enrolment,
            expected_version=data["version"],
            note=data["note"],
        )

    return _handle(request, form, page, call, _("停发已撤销。"), child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def account_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Record the account the child's money is paid into, or replace it."""
    child = access_benefit_child_by_id(request.user, child_id)
    require(request.user, Perm.MANAGE_BENEFITS)
    current = PayeeAccount.objects.filter(child=child, active=True).first()
    page = _page(
        child,
        "account",
        _("更换收款账户") if current else _("登记收款账户"),
        _("保存账户"),
        account=current,
    )
    if request.method != "POST":
        initial: dict[str, Any] = {"version": current.version if current else None}
        if current is not None:
            initial.update(holder_kind=current.holder_kind, bank_name=current.bank_name)
        return form_page(request, AccountForm(initial=initial), **page)
    form = AccountForm(request.POST)

    def call(data: dict[str, Any]) -> None:
        save_account(
            actor=request.user,
            child=child,
            holder_kind=data["holder_kind"],
            holder_name=data["holder_name"],
            bank_name=data["bank_name"],
            account_number=data["account_number"],
            expected_version=data["version"],
        )

    def latest() -> dict[str, Any]:
        return {"account": PayeeAccount.objects.filter(child=child, active=True).first()}

    return _handle(request, form, page, call, _("收款账户已保存。"), child.pk, latest)


@login_required
@require_http_methods(["GET", "POST"])
def aid_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Grant one-off aid, paid in the roll of its month."""
    child = access_benefit_child_by_id(request.user, child_id)
    require(request.user, Perm.MANAGE_BENEFITS)
    programmes = sorted(one_off_programmes())
    choices = [(code, labelled(code, programme_labels())) for code in programmes]
    page = _page(child, "aid", _("决定临时性救助"), _("保存救助决定"))
    if request.method != "POST":
        initial = {"decided_on": timezone.localdate()}
        return form_page(request, AidForm(initial=initial, programmes=choices), **page)
    form = AidForm(request.POST, programmes=choices)

    def call(data: dict[str, Any]) -> None:
        grant_aid(
            actor=request.user,
            child=child,
            programme=data["programme"],
            amount=data["amount"],
            reason=data["reason"],
            decided_on=data["decided_on"],
            pay_month=data["pay_month"],
        )

    return _handle(request, form, page, call, _("救助决定已保存，将列入发放月份的名册。"), child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def aid_cancel_page(request: AuthedRequest, grant_id: int) -> HttpResponse:
    """Cancel a grant not yet on an approved roll."""
    grant = access_aid_grant_by_id(request.user, grant_id)
    require(request.user, Perm.MANAGE_BENEFITS)
    page = _page(
        grant.child,
        "aid_cancel",
        _("撤销临时性救助"),
        _("撤销救助"),
        grant.pk,
        intro=_("%(programme)s %(amount)s 元（%(month)s 发放）")
        % {
            "programme": labelled(grant.programme, programme_labels()),
            "amount": grant.amount,
            "month": f"{grant.pay_month:%Y-%m}",
        },
    )
    if request.method != "POST":
        return form_page(request, AidCancelForm(), **page)
    form = AidCancelForm(request.POST)

    def call(data: dict[str, Any]) -> None:
        cancel_aid(actor=request.user, grant=grant, reason=data["reason"])

    return _handle(request, form, page, call, _("救助决定已撤销。"), grant.child_id)


urlpatterns: list[URLPattern] = [
    path("children/<int:child_id>/benefits/enrol/", enrol_page, name="enrol"),
    path("children/<int:child_id>/benefits/change/", change_page, name="change"),
    path("children/<int:child_id>/benefits/account/", account_page, name="account"),
    path("children/<int:child_id>/benefits/aid/", aid_page, name="aid"),
    path(
        "benefits/enrolments/<int:enrolment_id>/cancel-stop/",
        cancel_stop_page,
        name="cancel_stop",
    ),
    path("benefits/aid/<int:grant_id>/cancel/", aid_cancel_page, name="aid_cancel"),
]
