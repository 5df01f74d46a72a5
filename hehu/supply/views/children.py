"""A child's in-kind record and recording what was handed to the child.

- `/children/<id>/supply/`: what the child's approved plans promised in kind, so far,
  against what reached the child; every distribution, cancelled ones marked.
- `/children/<id>/supply/distribute/`: record a distribution (village directors and
  township supervisors for the children of their area, county civil affairs); the in-kind
  items of the child's approved plan are offered.
- `/supply/distributions/<id>/cancel/`: cancel one recorded in error, with the reason.

A child outside the jurisdiction is 404 like a missing one; the services decide the rest.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.models import User
from hehu.core.errors import ApplicationError
from hehu.registry.models import Child
from hehu.supply.forms import CancelForm, DistributeForm, plan_item_label
from hehu.supply.promises import Promise
from hehu.supply.selectors import (
    access_distribution_by_id,
    access_supply_child_by_id,
    distributions_of_child,
    items_for_child,
    plan_items_in_kind,
    plan_promises,
)
from hehu.supply.services import cancel_distribution, distribute, may_cancel
from hehu.supply.views.common import AuthedRequest, refused, render_form


@login_required
@require_GET
def child_supply(request: AuthedRequest, child_id: int) -> HttpResponse:
    """The plan's in-kind promises against what reached the child; every distribution."""
    child = access_supply_child_by_id(request.user, child_id)
    promises = plan_promises(child)
    given = list(distributions_of_child(child))
    context = {
        "child": child,
        "promises": [_promise_row(p) for p in promises],
        "distributions": [(d, may_cancel(request.user, d)) for d in given],
    }
    response = render(request, "supply/child_supply.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _promise_row(promise: Promise) -> dict[str, Any]:
    return {"promise": promise, "label": plan_item_label(promise.plan_item)}


def _choices(user: User, child: Child) -> dict[str, Any]:
    return {
        "items": list(items_for_child(user, child)),
        "plan_items": list(plan_items_in_kind(child)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def distribute_page(request: AuthedRequest, child_id: int) -> HttpResponse:
    """Record items handed to the child."""
    child = access_supply_child_by_id(request.user, child_id)
    choices = _choices(request.user, child)
    page: dict[str, Any] = {"child": child, "no_items": not choices["items"]}
    if request.method != "POST":
        initial = {"distributed_on": timezone.localdate(), "quantity": 1}
        asked = request.GET.get("plan_item", "")
        if asked.isdigit() and any(str(p.pk) == asked for p in choices["plan_items"]):
            initial["plan_item"] = asked
        elif choices["plan_items"]:
            initial["plan_item"] = ""
        form = DistributeForm(initial=initial, **choices)
        return render_form(request, "distribute_form.html", form, **page)
    form = DistributeForm(request.POST, **choices)
    if not form.is_valid():
        return render_form(request, "distribute_form.html", form, status=400, **page)
    data = form.cleaned_data
    item_id = form.chosen("item")
    item = next((i for i in choices["items"] if i.pk == item_id), None)
    if item is None:
        form.add_error("item", _("请选择要发放的物资（儿童所在县的物资目录）"))
        return render_form(request, "distribute_form.html", form, status=400, **page)
    try:
        given = distribute(
            actor=request.user,
            child=child,
            item=item,
            quantity=data["quantity"],
            distributed_on=data["distributed_on"],
            received_by_name=data["received_by_name"],
            plan_item_id=form.chosen("plan_item") if "plan_item" in form.fields else None,
            note=data["note"],
        )
    except ApplicationError as exc:
        status = refused(form, exc)
        return render_form(request, "distribute_form.html", form, status=status, **page)
    messages.success(
        request,
        _("已登记：%(name)s %(n)d %(unit)s，由 %(who)s 签收。")
        % {
            "name": item.name,
            "n": given.quantity,
            "unit": item.unit,
            "who": given.received_by_name,
        },
    )
    return redirect("supply:child", child_id=child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_page(request: AuthedRequest, distribution_id: int) -> HttpResponse:
    """Cancel a distribution recorded in error; the quantity returns to stock."""
    given = access_distribution_by_id(request.user, distribution_id)
    if not may_cancel(request.user, given):
        raise PermissionDenied(_("发放记录只能由登记人本人或县级民政部门撤销"))
    page: dict[str, Any] = {"given": given, "child": given.child, "item": given.item}
    if given.cancelled:
        messages.info(request, _("这条发放记录已经撤销。"))
        return redirect("supply:child", child_id=given.child_id)
    if request.method != "POST":
        return render_form(request, "cancel_form.html", CancelForm(), **page)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render_form(request, "cancel_form.html", form, status=400, **page)
    try:
        cancel_distribution(
            actor=request.user, distribution=given, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        status = refused(form, exc)
        return render_form(request, "cancel_form.html", form, status=status, **page)
    messages.success(
        request,
        _("发放记录已撤销，%(n)d %(unit)s%(name)s已退回库存。")
        % {"n": given.quantity, "unit": given.item.unit, "name": given.item.name},
    )
    return redirect("supply:child", child_id=given.child_id)


urlpatterns: list[URLPattern] = [
    path("children/<int:child_id>/supply/", child_supply, name="child"),
    path("children/<int:child_id>/supply/distribute/", distribute_page, name="distribute"),
    path(
        "supply/distributions/<int:distribution_id>/cancel/",
        cancel_page,
        name="cancel",
    ),
]
