"""What the supply pages share: rendering a form with its refusal, and htmx fragments."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from hehu.core.errors import ApplicationError, PermissionRefused
from hehu.protection.views.placements import AuthedRequest, require
from hehu.supply.forms import SupplyForm

__all__ = ["AuthedRequest", "htmx", "refused", "render_form", "require"]


def htmx(request: AuthedRequest) -> bool:
    """A request made by htmx (it swaps the fragment it gets back into the page)."""
    return request.headers.get("HX-Request") == "true"


def refused(form: SupplyForm, exc: ApplicationError) -> int:
    """Show the service's refusal in the form; a refused permission is a 403 page."""
    if isinstance(exc, PermissionRefused):
        raise PermissionDenied(str(exc.message)) from exc
    form.add_refusal(exc)
    return exc.status


def render_form(
    request: AuthedRequest, template: str, form: SupplyForm, *, status: int = 200, **context: Any
) -> HttpResponse:
    context.update({"form": form, "errors": form.error_summary() if form.is_bound else []})
    return render(request, f"supply/{template}", context, status=status)
