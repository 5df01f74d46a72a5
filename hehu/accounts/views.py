"""Account management pages for administrators, and "my account" for everyone.

Thin: parse the form, call access/service/selector, render. Every administrator page needs
Perm.MANAGE_ACCOUNTS (403 otherwise: accounts are not child records); an account outside
the administrator's jurisdiction is 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hehu.accounts.access import access_user_by_id
from hehu.accounts.forms import (
    AccountCreateForm,
    AccountEditForm,
    AccountFilterForm,
    DeactivateForm,
    OwnPasswordForm,
    PasswordResetForm,
    parse_prefixes,
)
from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.accounts.selectors import (
    jurisdictions_of,
    locked_usernames,
    organisations_available_to,
    regions_for_prefixes,
    user_is_locked,
    user_list,
)
from hehu.accounts.services import (
    user_create,
    user_deactivate,
    user_reactivate,
    user_set_password,
    user_unlock,
    user_update,
)
from hehu.core.errors import ApplicationError

View = Callable[..., HttpResponse]
PAGE_SIZE = 25


def manage_accounts_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_perm(request.user, Perm.MANAGE_ACCOUNTS):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _prefix_names(prefixes: list[str]) -> list[tuple[str, str | None]]:
    """(code, region name or None when unknown) for the codes typed, national first."""
    regions = regions_for_prefixes(p for p in prefixes if p)
    rows: list[tuple[str, str | None]] = []
    for prefix in prefixes:
        if prefix == "":
            rows.append(("", _("全国")))
        else:
            region = regions.get(prefix)
            rows.append((prefix, region.name if region else None))
    return rows


def _typed_prefixes(form: Any) -> list[str]:
    data = form.data if form.is_bound else form.initial
    return parse_prefixes(str(data.get("prefixes") or ""))


@manage_accounts_required
def account_list(request: HttpRequest) -> HttpResponse:
    filters = AccountFilterForm(request.GET or None)
    query = role = status = ""
    if filters.is_valid():
        query = filters.cleaned_data["q"].strip()
        role, status = filters.cleaned_data["role"], filters.cleaned_data["status"]
    users = user_list(actor=request.user, query=query, role=role, status=status)
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    locked = locked_usernames(u.username for u in page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "accounts/list.html",
        {"filters": filters, "page": page, "locked": locked, "query_string": params.urlencode()},
    )


@manage_accounts_required
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    orgs = organisations_available_to(actor=request.user)
    form = AccountCreateForm(request.POST or None, organisations=orgs)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(
                actor=request.user,
                username=form.cleaned_data.get("username") or "",
                password=form.cleaned_data.get("password") or "",
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("账号 %(username)s 已创建。") % {"username": user.username})
            return redirect("accounts:edit", pk=user.pk)
    return render(
        request,
        "accounts/form.html",
        {"form": form, "creating": True, "prefix_names": _prefix_names(_typed_prefixes(form))},
        status=400 if form.errors else 200,
    )


@manage_accounts_required
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_user_by_id(request.user, pk)
    orgs = organisations_available_to(actor=request.user)
    form = AccountEditForm(
        request.POST or None, organisations=orgs, initial=AccountEditForm.initial_for(account)
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_update(
                actor=request.user,
                user=account,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect("accounts:edit", pk=account.pk)
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "creating": False,
            "account": account,
            "jurisdictions": jurisdictions_of(user=account),
            "locked": user_is_locked(user=account),
            "prefix_names": _prefix_names(_typed_prefixes(form)),
        },
        status=400 if form.errors else 200,
    )


@manage_accounts_required
@require_http_methods(["GET", "POST"])
def account_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_user_by_id(request.user, pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_set_password(
                actor=request.user, user=account, password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("已为 %(name)s 设置新密码，请当面或电话告知本人。") % {"name": account}
            )
            return redirect("accounts:edit", pk=account.pk)
    return render(
        request,
        "accounts/reset_password.html",
        {"form": form, "account": account},
        status=400 if form.errors else 200,
    )


@manage_accounts_required
@require_http_methods(["GET", "POST"])
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_user_by_id(request.user, pk)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_deactivate(actor=request.user, user=account, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("账号 %(name)s 已停用。") % {"name": account})
            return redirect("accounts:edit", pk=account.pk)
    return render(
        request,
        "accounts/deactivate.html",
        {"form": form, "account": account},
        status=400 if form.errors else 200,
    )


@manage_accounts_required
@require_POST
def account_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_user_by_id(request.user, pk)
    user_reactivate(actor=request.user, user=account)
    messages.success(request, _("账号 %(name)s 已恢复使用。") % {"name": account})
    return redirect("accounts:edit", pk=account.pk)


@manage_accounts_required
@require_POST
def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_user_by_id(request.user, pk)
    user_unlock(actor=request.user, user=account)
    messages.success(request, _("账号 %(name)s 已解除锁定，可以重新登录。") % {"name": account})
    return redirect("accounts:edit", pk=account.pk)


@manage_accounts_required
def regions_lookup(request: HttpRequest) -> HttpResponse:
    """The names of the region codes being typed (htmx fragment beside the field)."""
    prefixes = parse_prefixes(request.GET.get("prefixes", ""))[:50]
    return render(request, "accounts/_prefix_names.html", {"prefix_names": _prefix_names(prefixes)})


@login_required
@require_http_methods(["GET", "POST"])
def my_account(request: HttpRequest) -> HttpResponse:
    """Every user: their own role and jurisdictions, and a form to change their password."""
    me: User = request.user  # type: ignore[assignment]
    form = OwnPasswordForm(request.POST or None, user=me)
    if request.method == "POST" and form.is_valid():
        try:
            me = user_set_password(actor=me, user=me, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            # Keep this session signed in; other sessions of this account end.
            update_session_auth_hash(request, me)
            messages.success(request, _("密码已修改。"))
            return redirect("accounts:password")
    return render(
        request,
        "accounts/my_account.html",
        {"form": form, "me": me, "jurisdictions": jurisdictions_of(user=me)},
        status=400 if form.errors else 200,
    )
