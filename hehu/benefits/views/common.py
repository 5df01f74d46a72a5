"""What the benefit pages share: the signed-in request, the permission check, a form page
with its refusals, and text in the user's language."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, PermissionRefused
from hehu.core.forms import RefusalForm
from hehu.policy.engine.model import Text


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (every view here is behind login_required)."""

    user: User


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this (least privilege)."""
    if not has_perm(user, perm):
        raise PermissionDenied


def refused(form: RefusalForm, exc: ApplicationError) -> int:
    """Show a service's refusal in the form; a permission refusal is a 403 page."""
    if isinstance(exc, PermissionRefused):
        raise PermissionDenied(str(exc.message)) from exc
    form.add_refusal(exc)
    return exc.status


def form_page(
    request: AuthedRequest, form: RefusalForm, *, status: int = 200, **context: Any
) -> HttpResponse:
    """The one form page of the benefit forms: title, what it does, the fields, one button."""
    context.update({"form": form, "errors": form.error_summary() if form.is_bound else []})
    response = render(request, "benefits/form.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def paged(request: HttpRequest, rows: Any, per_page: int, param: str = "page") -> Page[Any]:
    """One page of rows; `param` names the page in the query (several lists on one page),
    and the page knows the links to its neighbours with every other parameter kept."""
    page = Paginator(rows, per_page).get_page(request.GET.get(param))

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    page.prev_url = link(page.previous_page_number()) if page.has_previous() else ""  # type: ignore[attr-defined]
    page.next_url = link(page.next_page_number()) if page.has_next() else ""  # type: ignore[attr-defined]
    return page


def english() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def in_language(text: Any) -> str:
    """A phrase stored in both languages (a Text, or a {"zh", "en"} dict), in the user's."""
    if isinstance(text, Text):
        return text.en if english() else text.zh
    if isinstance(text, dict):
        value = text.get("en") if english() else (text.get("zh") or text.get("zh-hans"))
        return str(value or text.get("zh") or text.get("zh-hans") or "")
    return str(text or "")


def labelled(code: str, labels: dict[str, Text]) -> str:
    """A programme's or category's name in the user's language (the code when unknown)."""
    return in_language(labels[code]) if code in labels else code
