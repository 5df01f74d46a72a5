"""Compulsory report pages (DOMAIN.md §8): the public report form and its receipt.

The report form needs no account: a teacher, a doctor, a hotel clerk or anyone else files
it on a phone. A signed-in person who may file reports (a village director) files it as
themselves. The receipt is shown only to the browser that filed the report (its id is kept
in the session), so a reference number cannot be guessed into a report.

The form is in report_forms; the departments' queue and one report's page in report_desk.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, PermissionRefused
from hehu.core.middleware import client_ip
from hehu.protection.models import Report, ReporterKind
from hehu.protection.services.reports import report_file, report_problems
from hehu.protection.views.report_forms import ReportForm

SESSION_KEY = "hehu_reports_filed"
SESSION_KEPT = 20
TOKEN_MAX = 64  # Report.client_token
# The anonymous page: at most this many reports per address per hour. The counter lives in
# Django's default cache: per process unless CACHES names a shared cache (production needs
# one, e.g. Redis, for the limit to hold across workers).
RATE_LIMIT = 10
RATE_WINDOW_SECONDS = 3600


def _signed_in(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_authenticated", False))


# -- the anonymous page's limiter ------------------------------------------------------------
def _rate_key(request: HttpRequest) -> str:
    return f"hehu:report-web:{client_ip(request) or 'unknown'}"


def _rate_exceeded(request: HttpRequest) -> bool:
    return int(cache.get(_rate_key(request)) or 0) >= RATE_LIMIT


def _rate_count(request: HttpRequest) -> None:
    key = _rate_key(request)
    if cache.add(key, 1, RATE_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, RATE_WINDOW_SECONDS)


def _filed_in_session(request: HttpRequest, report: Report) -> None:
    filed = [int(i) for i in request.session.get(SESSION_KEY, []) if int(i) != report.pk]
    request.session[SESSION_KEY] = [*filed, report.pk][-SESSION_KEPT:]


def _earlier(token: str) -> Report | None:
    return Report.objects.filter(client_token=token).first() if token else None


# -- pages: filing ---------------------------------------------------------------------------
def _may_file_as_self(request: HttpRequest) -> bool:
    return _signed_in(request) and has_perm(request.user, Perm.FILE_REPORT)


def _form_page(request: HttpRequest, form: ReportForm, *, status: int = 200) -> HttpResponse:
    show_errors = form.is_bound and bool(form.errors)
    context = {
        "form": form,
        "errors": form.error_summary() if show_errors else [],
        "as_self": _may_file_as_self(request),
    }
    return render(request, "protection/report_new.html", context, status=status)


def _initial(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "observed_on": timezone.localdate(),
        "client_token": secrets.token_urlsafe(24),
        "county": request.GET.get("county", "")[:6],
    }
    if _may_file_as_self(request):
        user: Any = request.user
        initial["reporter_kind"] = (
            ReporterKind.VILLAGE_COMMITTEE
            if user.role in ("village_director", "township_supervisor")
            else ReporterKind.STATE_ORGAN
        )
        initial["reporter_name"] = user.full_name
        initial["reporter_phone"] = user.phone
        child_id = request.GET.get("child_id", "")
        if child_id.isdigit():
            initial["child_id"] = child_id
    return initial


def _kept(request: HttpRequest) -> dict[str, Any]:
    """What was typed, as the initial values of a fresh form (no errors shown)."""
    kept: dict[str, Any] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    kept["situations"] = request.POST.getlist("situations")
    return kept


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """File a compulsory report: no account needed; every answer kept when one is refused."""
    actor = request.user if _may_file_as_self(request) else None
    if request.method != "POST":
        return _form_page(request, ReportForm(initial=_initial(request), user=actor))
    if request.POST.get("pick") == "county":
        # The county was chosen without scripts: show its villages, keep everything typed.
        kept = _kept(request)
        kept["region_code"] = ""
        return _form_page(request, ReportForm(initial=kept, user=actor))
    form = ReportForm(request.POST, user=actor)
    token = str(request.POST.get("client_token") or "").strip()
    if len(token) > TOKEN_MAX:
        token = ""  # not one this page made: filed without retry protection
    earlier = _earlier(token)
    if earlier is None and actor is None and _rate_exceeded(request):
        form.is_valid()
        form.add_error(
            None,
            _(
                "这台设备一小时内提交的报告已达 %(n)s 份，请稍后再提交；"
                "情况紧急请立即拨打 110。您填写的内容都已保留。"
            )
            % {"n": RATE_LIMIT},
        )
        return _form_page(request, form, status=429)
    if not form.is_valid():
        # Every problem at once: what the page could not read, and what the service refuses.
        form.add_problems(report_problems(actor, form.report_data()))
        return _form_page(request, form, status=400)
    try:
        report, created = report_file(actor=actor, data=form.report_data(), client_token=token)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        form.add_refusal(exc)
        return _form_page(request, form, status=exc.status if exc.status != 403 else 400)
    if created and actor is None:
        _rate_count(request)
    _filed_in_session(request, report)
    return redirect("protection:report_receipt", report_id=report.pk)


@require_GET
def report_receipt(request: HttpRequest, report_id: int) -> HttpResponse:
    """The reference and timestamp, for the browser that filed the report only."""
    if report_id not in [int(i) for i in request.session.get(SESSION_KEY, [])]:
        raise Http404
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        raise Http404
    response = render(request, "protection/report_receipt.html", {"report": report})
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("report/", report_new, name="report_new"),
    path("report/receipt/<int:report_id>/", report_receipt, name="report_receipt"),
]
