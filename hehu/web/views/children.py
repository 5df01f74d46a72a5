"""Finding children and reading a child's file: list and search, the file itself, the full
ID number for a stated reason, and the documents attached to the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Field
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.selectors import open_case_of_child
from hehu.core.dates import age_on
from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.policy.views import child_classification_panel
from hehu.protection.selectors import current_placement
from hehu.registry.access import access_child_by_id
from hehu.registry.models import Child
from hehu.registry.selectors import (
    LIST_ROW_FIELDS,
    child_history,
    children_search,
    sees_protection,
)
from hehu.registry.services import attachment_add, child_record_view, child_reveal_id_number
from hehu.web.forms.files import AttachmentForm, RevealForm
from hehu.web.forms.search import ChildSearchForm
from hehu.web.history import history_rows
from hehu.web.regions import region_paths
from hehu.web.views._common import AuthedRequest, require, with_file

PAGE_SIZE = 25
HISTORY_MAX = 100


@login_required
@require_GET
def child_list(request: AuthedRequest) -> HttpResponse:
    """Children in the user's jurisdiction matching the filters, by region then name."""
    require(request.user, Perm.VIEW_CHILD)
    form = ChildSearchForm(request.GET or None, prefixes=request.user.prefixes)
    filters: dict[str, Any] = form.filters() if form.is_bound and form.is_valid() else {}
    queryset = Child.objects.none()
    if not form.is_bound or form.is_valid():
        try:
            queryset = (
                children_search(user=request.user, **filters)
                .select_related("region")
                .only(*LIST_ROW_FIELDS)
            )
        except ValidationFailed as exc:
            for field, field_errors in exc.errors.items():
                target = field if field in form.fields else None
                for message in field_errors:
                    form.add_error(target, str(message))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    children = list(page.object_list)
    paths = region_paths(c.region_id for c in children)
    context = {
        "form": form,
        "page": page,
        "children": children,
        "rows": list_rows(children, paths),
        "filtered": any(v not in (None, "") for v in filters.values()),
    }
    return render(request, "web/child_list.html", context)


@dataclass(frozen=True, slots=True)
class ListRow:
    """A row of the children list with its texts ready: each label is translated once per
    page, not once per row (template tags and `get_FOO_display` cost ~0.3 ms a row)."""

    child: Child
    url: str
    sex: str
    age: str
    living_arrangement: str
    region_path: str


_PK_SENTINEL = 987654321987


def list_rows(children: list[Child], paths: dict[str, str]) -> list[ListRow]:
    # The URL pattern is reversed once and filled with each pk.
    url_pattern = reverse("web:child", args=[_PK_SENTINEL]).replace(str(_PK_SENTINEL), "{}")
    sexes = _labels("sex")
    arrangements = _labels("living_arrangement")
    today = timezone.localdate()
    ages: dict[int, str] = {}
    rows = []
    for child in children:
        years = age_on(child.birth_date, today) if child.birth_date else None
        if years is not None and years not in ages:
            # The msgid of `{% blocktranslate count years=… %}{{ years }}岁…` in templates.
            ages[years] = ngettext("%(years)s岁", "%(years)s岁", years) % {"years": years}
        rows.append(
            ListRow(
                child=child,
                url=url_pattern.format(child.pk),
                sex=sexes.get(child.sex, child.sex),
                age="" if years is None else ages[years],
                living_arrangement=arrangements.get(
                    child.living_arrangement, child.living_arrangement
                ),
                region_path=paths.get(child.region_id, ""),
            )
        )
    return rows


def _detail(
    request: AuthedRequest, child: Child, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The file page. Every render of it is a view of the file and is audited."""
    child_record_view(actor=request.user, child=child)
    with_file(child)
    history = list(child_history(child=child, user=request.user)[:HISTORY_MAX])
    context = {
        "child": child,
        "paths": region_paths([child.region_id, child.hukou_region_id]),
        "history": history_rows(history, user=request.user),
        "sees_protection": sees_protection(request.user),
        "history_truncated": len(history) == HISTORY_MAX,
        "reveal_form": extra.pop("reveal_form", None) or RevealForm(),
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
        "may_see_trail": has_perm(request.user, Perm.VIEW_AUDIT)
        or has_perm(request.user, Perm.VIEW_ACCESS_LOG),
        "today": timezone.localdate(),
        "classification": child_classification_panel(child),
        "open_case": open_case_of_child(user=request.user, child_id=child.pk),
        # Where a child in temporary or long-term care is today, for the roles that may
        # know (MPL art. 103); the details are on the protection record.
        "placement": current_placement(child)
        if has_perm(request.user, Perm.VIEW_PROTECTION)
        else None,
        **extra,
    }
    return render(request, "web/child_detail.html", context, status=status)


@login_required
@require_GET
def child_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    child = access_child_by_id(request.user, pk)
    return _detail(request, child)


@login_required
@require_POST
def child_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Show the full ID number once, for a reason that goes into the audit log."""
    child = access_child_by_id(request.user, pk)
    require(request.user, Perm.REVEAL_ID_NUMBER)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _detail(request, child, status=400, reveal_form=form, reveal_open=True)
    try:
        number = child_reveal_id_number(
            actor=request.user, child=child, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        form.add_error("reason", str(exc.message))
        return _detail(request, child, status=400, reveal_form=form, reveal_open=True)
    response = _detail(request, child, revealed_id_number=number)
    # The number is shown once: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def attachment_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    child = access_child_by_id(request.user, pk)
    require(request.user, Perm.EDIT_CHILD)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(
                actor=request.user,
                child=child,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationFailed as exc:
            for field, field_errors in exc.errors.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, str(message))
        else:
            messages.success(request, _("附件已上传。"))
            return redirect(f"{child_url(child)}#attachments")
    return _detail(request, child, status=400, attachment_form=form)


@login_required
@require_GET
def attachment_download(request: AuthedRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A document of the file, served only to those who may open the file; audited."""
    child = access_child_by_id(request.user, pk)
    attachment = child.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    audit_record(
        actor=request.user,
        verb=Verb.CHILD_VIEWED,
        object_type="attachment",
        object_id=attachment.pk,
        child_id=child.pk,
    )
    stored = attachment.file.name or ""
    extension = stored.rsplit(".", 1)[-1] if "." in stored else ""
    filename = f"{attachment.title}.{extension}" if extension else attachment.title
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def child_url(child: Child) -> str:
    return reverse("web:child", args=[child.pk])


def _labels(field: str) -> dict[Any, str]:
    """What `get_<field>_display` shows for each value, in the current language."""
    model_field = Child._meta.get_field(field)
    assert isinstance(model_field, Field)  # noqa: S101 - a column of Child
    return {value: str(label) for value, label in model_field.flatchoices}
