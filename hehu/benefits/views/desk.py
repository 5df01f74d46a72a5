"""The county's payment desk (待遇发放): the months' rolls per county with their status, the
form to generate a month's roll, the children to confirm (in bulk, with one date), the
enrolments to review, and the open overpayments (each settled on its own page).

Thin: selectors read within the user's counties, the services decide; a refusal is shown
in its form with every answer kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm
from hehu.benefits.forms import ConfirmCandidatesForm, GenerateForm, SettleForm
from hehu.benefits.months import add_months, month_of, parse_month
from hehu.benefits.selectors import (
    access_benefit_child_by_id,
    access_overpayment_by_id,
    candidates_to_confirm,
    category_labels,
    counties_in_reach,
    county_names,
    cycles_visible_to,
    enrolments_to_review,
    missing_categories,
    open_overpayments,
    programme_labels,
)
from hehu.benefits.services.cycles import generate_and_check
from hehu.benefits.services.enrolments import benefit_categories, enrol
from hehu.benefits.services.overpayments import settle_overpayment
from hehu.benefits.tasks import generate_cycles_task
from hehu.benefits.views.common import (
    AuthedRequest,
    form_page,
    labelled,
    paged,
    refused,
    require,
)
from hehu.core.errors import ApplicationError, ConcurrentEdit, ValidationFailed
from hehu.regions.models import Region
from hehu.registry.models import Child

CYCLES_PER_PAGE = 12
ROWS_PER_PAGE = 25


def generate_choices(user: User) -> list[tuple[str, str]]:
    """Where the user may generate rolls: their county, or each county they reach and all
    of them at once (a city or province prefix)."""
    counties = counties_in_reach(user)
    choices: list[tuple[str, str]] = []
    wide = sorted(p for p in user.prefixes if len(p) < 6)
    names = {r.code[: len(p)]: r.name for p in wide for r in _regions_named(p)}
    for prefix in wide:
        name = names.get(prefix) or prefix or _("全国")
        choices.append((prefix, _("%s 全部县（区）") % name))
    choices.extend((r.code[:6], f"{r.name}（{r.code[:6]}）") for r in counties)
    listed = {code for code, _label in choices}
    # A county jurisdiction whose region row is missing still generates its own roll.
    choices.extend((p, p) for p in sorted(user.prefixes) if len(p) == 6 and p not in listed)
    return choices


def _regions_named(prefix: str) -> list[Region]:
    if not prefix:
        return []
    return list(Region.objects.filter(code=prefix.ljust(12, "0")).only("code", "name"))


def _month_filter(request: AuthedRequest) -> dt.date | None:
    text = request.GET.get("month", "").strip()
    if not text:
        return None
    try:
        return parse_month(text)
    except ValueError:
        messages.error(request, _("月份应按 年-月 填写，例如 2026-03；已显示全部月份。"))
        return None


def _cycle_rows(request: AuthedRequest, month: dt.date | None) -> dict[str, Any]:
    user = request.user
    page = paged(request, cycles_visible_to(user=user, month=month), CYCLES_PER_PAGE)
    names = county_names([c.county_code for c in page])
    this_month = month_of(timezone.localdate())
    reached = {r.code[:6]: r.name for r in counties_in_reach(user)}
    generated = set(
        cycles_visible_to(user=user, month=this_month).values_list("county_code", flat=True)
    )
    return {
        "cycles": [{"cycle": c, "county": names.get(c.county_code, c.county_code)} for c in page],
        "cycles_page": page,
        "month_filter": month,
        "this_month": this_month,
        "not_generated": [name for code, name in reached.items() if code not in generated],
    }


def _candidate_rows(request: AuthedRequest) -> dict[str, Any]:
    page = paged(request, candidates_to_confirm(user=request.user), ROWS_PER_PAGE, "cpage")
    children: list[Child] = list(page)
    missing = missing_categories(children)
    labels = category_labels()
    rows = [
        {
            "child": child,
            "picks": [
                {"value": f"{child.pk}:{c}", "label": labelled(c, labels), "category": c}
                for c in missing.get(child.pk, [])
            ],
        }
        for child in children
    ]
    return {"candidates": rows, "candidates_page": page}


def _review_rows(request: AuthedRequest) -> dict[str, Any]:
    page = paged(request, enrolments_to_review(user=request.user), ROWS_PER_PAGE, "rpage")
    labels = category_labels()
    paying = benefit_categories()
    rows = []
    for enrolment in page:
        if enrolment.child.status != Child.Status.ACTIVE:
            why = _("儿童档案已合并或销档")
        elif enrolment.category not in paying:
            why = _("该类别已不再按月发放待遇")
        else:
            why = _("按现行认定，儿童已不属于此类别")
        rows.append(
            {"enrolment": enrolment, "category": labelled(enrolment.category, labels), "why": why}
        )
    return {"review": rows, "review_page": page}


def _overpayment_rows(request: AuthedRequest) -> dict[str, Any]:
    page = paged(request, open_overpayments(user=request.user), ROWS_PER_PAGE, "opage")
    labels = programme_labels()
    rows = [{"debt": d, "programme": labelled(d.programme, labels)} for d in page]
    return {"overpayments": rows, "overpayments_page": page}


def _desk(
    request: AuthedRequest,
    *,
    generate: GenerateForm | None = None,
    confirm: ConfirmCandidatesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    regions = generate_choices(user)
    today = timezone.localdate()
    if generate is None:
        generate = GenerateForm(initial={"month": month_of(today)}, regions=regions)
    if confirm is None:
        confirm = ConfirmCandidatesForm(initial={"confirmed_on": today}, picks=[])
    errors = [*generate.error_summary(), *confirm.error_summary()] if status >= 400 else []
    context: dict[str, Any] = {
        "generate": generate,
        "confirm": confirm,
        "picked": confirm.posted_picks() if confirm.is_bound else [],
        "errors": errors,
        "next_month": add_months(month_of(today), 1),
        "regions": regions,
        **_cycle_rows(request, _month_filter(request)),
        **_candidate_rows(request),
        **_review_rows(request),
        **_overpayment_rows(request),
    }
    return render(request, "benefits/desk.html", context, status=status)


@login_required
@require_GET
def desk(request: AuthedRequest) -> HttpResponse:
    """The county's payment desk."""
    require(request.user, Perm.MANAGE_BENEFITS)
    return _desk(request)


COUNTY_DIGITS = 6


@login_required
@require_POST
def generate(request: AuthedRequest) -> HttpResponse:
    """Generate (or generate again) the month's roll of a county, or of every county under
    a city or province prefix."""
    require(request.user, Perm.MANAGE_BENEFITS)
    form = GenerateForm(request.POST, regions=generate_choices(request.user))
    if not form.is_valid():
        return _desk(request, generate=form, status=400)
    month: dt.date = form.cleaned_data["month"]
    region = form.cleaned_data["region"]
    if len(region) < COUNTY_DIGITS:
        # Several counties (a city, a province): tens of seconds, in the background.
        generate_cycles_task.delay(region, f"{month:%Y-%m}", request.user.pk)
        messages.success(
            request,
            _(
                "已在后台生成 %(region)s 各县（区）%(month)s 的名册并进行资金使用核查，"
                "完成后在本页查看。"
            )
            % {"region": region, "month": f"{month:%Y-%m}"},
        )
        return redirect(f"{reverse('benefits:desk')}?month={month:%Y-%m}")
    try:
        result = generate_and_check(actor=request.user, region_prefix=region, month=month)
    except ApplicationError as exc:
        status = refused(form, exc)
        return _desk(request, generate=form, status=status)
    for county, why in sorted(result.skipped.items()):
        messages.warning(request, _("%(county)s：%(why)s") % {"county": county, "why": why})
    if not result.cycles:
        if not result.skipped:
            messages.info(request, _("%s 没有需要发放的待遇，没有生成名册。") % f"{month:%Y-%m}")
        return redirect(f"{reverse('benefits:desk')}?month={month:%Y-%m}")
    messages.success(
        request,
        _("已生成 %(n)d 份名册（%(month)s），请核对后提交审批。")
        % {"n": len(result.cycles), "month": f"{month:%Y-%m}"},
    )
    if len(result.cycles) == 1:
        return redirect("benefits:cycle", cycle_id=result.cycles[0].pk)
    return redirect(f"{reverse('benefits:desk')}?month={month:%Y-%m}")


def _failure(form: ConfirmCandidatesForm, child: Any, category: str, exc: Exception) -> None:
    if isinstance(exc, ValidationFailed):
        problems = exc.errors
    elif isinstance(exc, ApplicationError):
        problems = {"picks": [exc.message]}
    else:
        problems = {"picks": [_("未找到该儿童档案，或不在您的管辖范围内")]}
    name = child.name if child is not None else "—"
    label = labelled(category, category_labels())
    for field, found in problems.items():
        for message in found:
            if field == "confirmed_on":
                if str(message) not in form.errors.get("confirmed_on", []):
                    form.add_error("confirmed_on", str(message))
            else:
                form.add_error(
                    "picks",
                    _("%(name)s · %(category)s：%(message)s")
                    % {"name": name, "category": label, "message": message},
                )


@login_required
@require_POST
def confirm(request: AuthedRequest) -> HttpResponse:
    """Confirm the ticked children's categories with one date; each is its own decision (a
    refusal of one leaves the others confirmed)."""
    require(request.user, Perm.MANAGE_BENEFITS)
    form = ConfirmCandidatesForm(request.POST, picks=[])
    if not form.is_valid():
        return _desk(request, confirm=form, status=400)
    confirmed = 0
    for child_id, category in form.chosen():
        child = None
        try:
            child = access_benefit_child_by_id(request.user, child_id)
            enrol(
                actor=request.user,
                child=child,
                category=category,
                confirmed_on=form.cleaned_data["confirmed_on"],
                note=form.cleaned_data["note"],
            )
            confirmed += 1
        except (ApplicationError, Http404) as exc:
            _failure(form, child, category, exc)
    if confirmed:
        messages.success(
            request, _("已确认 %d 项待遇资格，从确认日期的次月起列入名册。") % confirmed
        )
    if form.errors:
        return _desk(request, confirm=form, status=400)
    return redirect("benefits:desk")


@login_required
@require_http_methods(["GET", "POST"])
def overpayment_settle(request: AuthedRequest, overpayment_id: int) -> HttpResponse:
    """Record that the guardian repaid an overpayment, or waive it with a reason."""
    debt = access_overpayment_by_id(request.user, overpayment_id)
    require(request.user, Perm.MANAGE_BENEFITS)
    page: dict[str, Any] = {
        "title": _("处理多发待遇"),
        "child": debt.child,
        "debt": debt,
        "programme": labelled(debt.programme, programme_labels()),
        "action": reverse("benefits:overpayment_settle", args=[debt.pk]),
        "submit": _("保存处理结果"),
    }
    if request.method != "POST":
        return form_page(request, SettleForm(initial={"version": debt.version}), **page)
    form = SettleForm(request.POST)
    if not form.is_valid():
        return form_page(request, form, status=400, **page)
    try:
        settle_overpayment(
            actor=request.user,
            overpayment=debt,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except ConcurrentEdit as exc:
        return form_page(request, form, status=409, conflict=str(exc.message), **page)
    except ApplicationError as exc:
        status = refused(form, exc)
        return form_page(request, form, status=status, **page)
    messages.success(request, _("多发待遇的处理结果已保存。"))
    return redirect("benefits:child_benefits", child_id=debt.child_id)


urlpatterns: list[URLPattern] = [
    path("benefits/", desk, name="desk"),
    path("benefits/generate/", generate, name="generate"),
    path("benefits/confirm/", confirm, name="confirm"),
    path(
        "benefits/overpayments/<int:overpayment_id>/settle/",
        overpayment_settle,
        name="overpayment_settle",
    ),
]
