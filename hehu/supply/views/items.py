"""Adding an item to the county's catalogue and changing one (county civil affairs); a
concurrent edit is refused with nothing lost."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hehu.accounts.permissions import Perm
from hehu.core.errors import ApplicationError, ConcurrentEdit
from hehu.supply.forms import ItemForm
from hehu.supply.models import SupplyItem
from hehu.supply.selectors import access_item_by_id, counties_managed_by
from hehu.supply.services import item_create, item_update
from hehu.supply.views.common import AuthedRequest, refused, render_form, require


def _back(item: SupplyItem) -> HttpResponse:
    return redirect(f"{reverse('supply:stock')}?county={item.county_code}#item-{item.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request: AuthedRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_SUPPLY)
    counties = counties_managed_by(request.user)
    page: dict[str, Any] = {"item": None, "ask_county": len(counties) != 1}
    if request.method != "POST":
        initial = {"active": True, "low_stock_level": 5, "county_code": request.GET.get("county")}
        return render_form(request, "item_form.html", ItemForm(initial=initial), **page)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return render_form(request, "item_form.html", form, status=400, **page)
    data = form.cleaned_data
    try:
        item = item_create(
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            unit=data["unit"],
            code=data["code"],
            county_code=data["county_code"],
            unit_value=data["unit_value"],
            low_stock_level=data["low_stock_level"],
            active=True,
        )
    except ApplicationError as exc:
        status = refused(form, exc)
        return render_form(request, "item_form.html", form, status=status, **page)
    messages.success(request, _("“%s”已加入物资目录。请登记入库。") % item.name)
    return _back(item)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = access_item_by_id(request.user, item_id, manage=True)
    page: dict[str, Any] = {"item": item, "ask_county": False}
    if request.method != "POST":
        initial = {
            key: getattr(item, key)
            for key in ("name", "kind", "unit", "unit_value", "low_stock_level", "active")
        }
        initial["version"] = item.version
        return render_form(request, "item_form.html", ItemForm(initial=initial), **page)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return render_form(request, "item_form.html", form, status=400, **page)
    data = form.cleaned_data
    try:
        item_update(
            actor=request.user,
            item=item,
            name=data["name"],
            kind=data["kind"],
            unit=data["unit"],
            unit_value=data["unit_value"],
            low_stock_level=data["low_stock_level"],
            active=bool(data["active"]),
            expected_version=data["version"],
        )
    except ConcurrentEdit as exc:
        item.refresh_from_db()
        page.update(conflict=str(exc.message), item=item)
        return render_form(request, "item_form.html", form, status=409, **page)
    except ApplicationError as exc:
        status = refused(form, exc)
        return render_form(request, "item_form.html", form, status=status, **page)
    messages.success(request, _("“%s”已保存。") % data["name"])
    return _back(item)


urlpatterns: list[URLPattern] = [
    path("supply/items/new/", item_new, name="item_new"),
    path("supply/items/<int:item_id>/edit/", item_edit, name="item_edit"),
]
