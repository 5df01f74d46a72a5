"""The administrator's page for importing the official township/village table."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from hehu.accounts.permissions import Perm, has_perm
from hehu.regions.errors import RegionTableInvalid
from hehu.regions.forms import RegionImportForm
from hehu.regions.services import ImportReport, regions_import

# The page lists this many rejected rows and warnings; the counts cover them all.
SHOWN_PROBLEMS = 500


@login_required
@require_http_methods(["GET", "POST"])
def region_import(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.IMPORT_REGIONS):
        raise PermissionDenied
    report: ImportReport | None = None
    form = RegionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = regions_import(
                actor=request.user,
                file=form.cleaned_data["file"],
                source_year=form.cleaned_data["source_year"],
            )
        except RegionTableInvalid as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
    context = {"form": form, "report": report, "shown": SHOWN_PROBLEMS}
    return render(request, "regions/import.html", context, status=400 if form.errors else 200)
