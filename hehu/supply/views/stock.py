"""The county's in-kind stock pages (county civil affairs, Perm.MANAGE_SUPPLY): every item
with its stock and value, low stock highlighted; receiving stock and correcting it after a
count right on the item (htmx swaps the item; without script the forms post as usual);
adding and changing an item.

Thin: the selectors scope (404 whether outside the county or missing), the services
decide; a refusal is shown in the form with every answer kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.permissions import Perm
from hehu.core.errors import ApplicationError, ConcurrentEdit
from hehu.regions.models import Region
from hehu.supply.forms import AdjustForm, ReceiveForm, SupplyForm
from hehu.supply.models import SupplyItem
from hehu.supply.selectors import (
    access_item_by_id,
    counties_managed_by,
    county_stock,
    distributions_visible_to,
    with_details,
)
from hehu.supply.services import stock_adjust, stock_receive
from hehu.supply.views.common import AuthedRequest, htmx, refused, render_form, require

RECENT = 20


def _county_name(code: str) -> str:
    region = Region.objects.filter(code=code.ljust(12, "0")).first()
    return region.name if region else code


@login_required
@require_GET
def stock(request: AuthedRequest) -> HttpResponse:
    """The county's items with their stock and value; the latest distributions."""
    require(request.user, Perm.MANAGE_SUPPLY)
    counties = counties_managed_by(request.user)
    asked = request.GET.get("county", "")
    county = asked if asked in counties else (counties[0] if counties else "")
    found = county_stock(request.user, county)
    recent = with_details(distributions_visible_to(request.user).filter(item__county_code=county))
    context = {
        "county": county,
        "county_name": _county_name(county) if county else "",
        "counties": [(c, _county_name(c)) for c in counties] if len(counties) > 1 else [],
        "stock": found,
        "rows": [_row(item) for item in found.items],
        "recent": list(recent[:RECENT]),
    }
    return render(request, "supply/stock.html", context)


def _row(
    item: SupplyItem,
    *,
    receive: ReceiveForm | None = None,
    adjust: AdjustForm | None = None,
    done: str = "",
) -> dict[str, Any]:
    """One item of the stock page with its two forms (bound when one was just refused)."""
    today = timezone.localdate()
    return {
        "item": item,
        "receive": receive or ReceiveForm(initial={"received_on": today}, prefix=f"r{item.pk}"),
        "adjust": adjust
        or AdjustForm(
            initial={"counted_on": today, "expected_stock": item.stock}, prefix=f"a{item.pk}"
        ),
        "open": "receive" if receive is not None else "adjust" if adjust is not None else "",
        "done": done,
    }


def _answer(
    request: AuthedRequest,
    item: SupplyItem,
    form: SupplyForm,
    *,
    template: str,
    status: int,
    **row: Any,
) -> HttpResponse:
    """A refused form: the item again (htmx) or the form's own page."""
    if htmx(request):
        # htmx swaps only successful responses: the refusal comes back as a 200 fragment.
        return render(request, "supply/_item.html", {"row": _row(item, **row)})
    return render_form(request, template, form, status=status, item=item)


def _done(request: AuthedRequest, item: SupplyItem, message: str) -> HttpResponse:
    if htmx(request):
        item.refresh_from_db()
        # The county's figures above the list change with the item (out of band).
        context = {
            "row": _row(item, done=message),
            "oob_stock": county_stock(request.user, item.county_code),
        }
        return render(request, "supply/_item.html", context)
    messages.success(request, message)
    return redirect(f"{reverse('supply:stock')}?county={item.county_code}#item-{item.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def receive(request: AuthedRequest, item_id: int) -> HttpResponse:
    """Receive stock of one item."""
    item = access_item_by_id(request.user, item_id, manage=True)
    prefix = f"r{item.pk}"
    if request.method != "POST":
        form = ReceiveForm(initial={"received_on": timezone.localdate()}, prefix=prefix)
        return render_form(request, "receive_form.html", form, item=item)
    form = ReceiveForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _answer(request, item, form, template="receive_form.html", status=400, receive=form)
    data = form.cleaned_data
    try:
        movement = stock_receive(
            actor=request.user,
            item=item,
            quantity=data["quantity"],
            source=data["source"],
            received_on=data["received_on"],
            note=data["note"],
        )
    except ApplicationError as exc:
        status = refused(form, exc)
        return _answer(
            request, item, form, template="receive_form.html", status=status, receive=form
        )
    message = _("“%(name)s”已入库 %(n)d %(unit)s，现有库存 %(stock)d %(unit)s。") % {
        "name": item.name,
        "n": movement.quantity,
        "unit": item.unit,
        "stock": movement.item.stock,
    }
    return _done(request, item, message)


@login_required
@require_http_methods(["GET", "POST"])
def adjust(request: AuthedRequest, item_id: int) -> HttpResponse:
    """Set one item's stock to what was counted, with the reason."""
    item = access_item_by_id(request.user, item_id, manage=True)
    prefix = f"a{item.pk}"
    if request.method != "POST":
        initial = {"counted_on": timezone.localdate(), "expected_stock": item.stock}
        return render_form(
            request, "adjust_form.html", AdjustForm(initial=initial, prefix=prefix), item=item
        )
    form = AdjustForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _answer(request, item, form, template="adjust_form.html", status=400, adjust=form)
    data = form.cleaned_data
    try:
        stock_adjust(
            actor=request.user,
            item=item,
            counted=data["counted"],
            reason=data["reason"],
            counted_on=data["counted_on"],
            expected_stock=data["expected_stock"],
        )
    except ConcurrentEdit as exc:
        # Nothing was saved: the form keeps what was typed, now against the latest stock.
        item.refresh_from_db()
        fresh = request.POST.copy()
        fresh[f"{prefix}-expected_stock"] = str(item.stock)
        form = AdjustForm(fresh, prefix=prefix)
        form.is_valid()
        status = refused(form, exc)
        return _answer(request, item, form, template="adjust_form.html", status=status, adjust=form)
    except ApplicationError as exc:
        status = refused(form, exc)
        return _answer(request, item, form, template="adjust_form.html", status=status, adjust=form)
    item.refresh_from_db()
    message = _("“%(name)s”的库存已调整为 %(stock)d %(unit)s。") % {
        "name": item.name,
        "stock": item.stock,
        "unit": item.unit,
    }
    return _done(request, item, message)


urlpatterns: list[URLPattern] = [
    path("supply/", stock, name="stock"),
    path("supply/items/<int:item_id>/receive/", receive, name="receive"),
    path("supply/items/<int:item_id>/adjust/", adjust, name="adjust"),
]
