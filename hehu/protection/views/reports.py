"""Compulsory report pages (DOMAIN.md §8): the public report form and its receipt, the
department's queue, and one report with the steps of the department acting on it.

The report form needs no account: a teacher, a doctor, a hotel clerk or anyone else files
it on a phone. A signed-in person who may file reports (a village director) files it as
themselves. The receipt is shown only to the browser that filed the report (its id is kept
in the session), so a reference number cannot be guessed into a report. The reporter's
identity never appears in the queue or the report page; it is shown once, for a stated
reason that goes into the audit log (MPL art. 103, the reporter's confidentiality).
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hehu.accounts.models import Department, User
from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.core.middleware import client_ip
from hehu.protection.models import Report, ReporterKind, ReportRoute, Situation
from hehu.protection.report_selectors import (
    access_report_by_id,
    department_acting,
    reports_visible_to,
)
from hehu.protection.services.reports import (
    CIVIL_AFFAIRS,
    POLICE,
    ReportData,
    Reporter,
    report_accept,
    report_child_link,
    report_feedback_give,
    report_file,
    report_finding_record,
    report_problems,
    report_record_view,
    report_reporter_reveal,
)
from hehu.regions.models import Region
from hehu.regions.selectors import region_labels
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to

REPORTS_PER_PAGE = 50
CHILD_OPTIONS_MAX = 300
VILLAGE_OPTIONS_MAX = 2000
CHILD_MATCHES_MAX = 20
SESSION_KEY = "hehu_reports_filed"
SESSION_KEPT = 20
TOKEN_MAX = 64  # Report.client_token
# The anonymous page: at most this many reports per address per hour. The counter lives in
# Django's default cache: per process unless CACHES names a shared cache (production needs
# one, e.g. Redis, for the limit to hold across workers).
RATE_LIMIT = 10
RATE_WINDOW_SECONDS = 3600

# Short labels of the nine situations for lists (the form shows the legal wording).
SHORT_SITUATIONS: dict[str, Any] = {
    Situation.GENITAL_INJURY: gettext_lazy("隐私部位损伤"),
    Situation.UNDER_14_SEXUAL: gettext_lazy("不满14岁女童遭性侵害、怀孕、流产"),
    Situation.OVER_14_PREGNANCY: gettext_lazy("14岁以上女童因性侵害怀孕、流产"),
    Situation.SERIOUS_INJURY: gettext_lazy("多处损伤、严重营养不良、意识不清"),
    Situation.SELF_HARM_OR_DEATH: gettext_lazy("非正常原因伤残、死亡"),
    Situation.ABANDONED: gettext_lazy("遗弃、长期无人照料"),
    Situation.MISSING_OR_TRAFFICKED: gettext_lazy("来源不明、失踪、被拐卖"),
    Situation.ORGANISED_BEGGING: gettext_lazy("被组织乞讨"),
    Situation.OTHER_SERIOUS: gettext_lazy("其他严重侵害或危险"),
}
SEX_CHOICES = [
    ("female", gettext_lazy("女")),
    ("male", gettext_lazy("男")),
    ("", gettext_lazy("不清楚")),
]


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (the queue and the report page)."""

    user: User


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this; sign-in first for a visitor."""
    if not has_perm(user, perm):
        raise PermissionDenied


def _signed_in(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_authenticated", False))


def short_situations(codes: list[str]) -> list[str]:
    return [str(SHORT_SITUATIONS.get(code, code)) for code in codes]


def department_label(code: str) -> str:
    if code == CIVIL_AFFAIRS:
        return _("民政部门")
    return str(dict(Department.choices).get(code, code))


# -- the report form -------------------------------------------------------------------------
class SituationsWidget(forms.CheckboxSelectMultiple):
    # Rendered by the page itself (report_situations.html): one line per situation.
    use_fieldset = True


class ReportForm(forms.Form):
    """The page's shape only: the service decides what is required (the web and the API
    refuse the same things with the same words)."""

    marked_required = frozenset({"reporter_kind", "region_code", "observed_on", "situations"})
    field_order = [
        "reporter_kind",
        "anonymous",
        "reporter_name",
        "reporter_unit",
        "reporter_phone",
        "child_id",
        "child_description",
        "child_sex",
        "child_age",
        "county",
        "region_code",
        "place",
        "observed_on",
        "situations",
        "school_matter",
        "immediate_danger",
        "account",
    ]

    reporter_kind = forms.ChoiceField(
        label=gettext_lazy("您是"),
        choices=[("", gettext_lazy("请选择")), *ReporterKind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=gettext_lazy(
            "学校、医院、旅店、村（居）委会等单位及其工作人员发现以下情形，应当立即报告。"
        ),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("匿名报告（仅限“其他单位或个人”）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    reporter_name = forms.CharField(
        label=gettext_lazy("报告人姓名"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "name"}),
    )
    reporter_unit = forms.CharField(
        label=gettext_lazy("单位名称"),
        help_text=gettext_lazy("例如：翠屏区第一小学。个人报告可不填。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "organization"}),
    )
    reporter_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        help_text=gettext_lazy(
            "报告人身份严格保密（《未成年人保护法》《关于建立侵害未成年人案件强制报告制度的"
            "意见》），只有处理报告的公安机关和民政部门因工作需要才能查看，每次查看都有记录。"
        ),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "tel"}
        ),
    )
    child_id = forms.TypedChoiceField(
        label=gettext_lazy("已登记的儿童（可不选）"),
        help_text=gettext_lazy("儿童在您负责的名册中时可直接选择；否则请在下面描述儿童。"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    child_description = forms.CharField(
        label=gettext_lazy("儿童是谁"),
        help_text=gettext_lazy("姓名或称呼，或者怎样认出他/她：外貌、衣着、就读学校和班级等。"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "maxlength": "500"}),
    )
    child_sex = forms.ChoiceField(
        label=gettext_lazy("性别"),
        choices=SEX_CHOICES,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    child_age = forms.IntegerField(
        label=gettext_lazy("大约几岁"),
        required=False,
        widget=forms.NumberInput(
            attrs={"class": "form-control", "inputmode": "numeric", "min": "0", "max": "17"}
        ),
        error_messages={"invalid": gettext_lazy("年龄请填写整数（岁），例如 9")},
    )
    county = forms.CharField(
        label=gettext_lazy("县（市、区）"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    region_code = forms.CharField(
        label=gettext_lazy("村（社区）"),
        help_text=gettext_lazy("发现儿童的地方所在的村或社区。"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    place = forms.CharField(
        label=gettext_lazy("具体地点"),
        help_text=gettext_lazy("例如：学校医务室、某小区某栋、某宾馆。"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    observed_on = forms.DateField(
        label=gettext_lazy("发现日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写发现日期，例如 2026-03-05。")},
    )
    situations = forms.MultipleChoiceField(
        label=gettext_lazy("发现的情形（可多选）"),
        choices=Situation.choices,
        required=False,
        widget=SituationsWidget(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": gettext_lazy("情形不正确：%(value)s")},
    )
    school_matter = forms.BooleanField(
        label=gettext_lazy("事情与学校、幼儿园或托育、培训机构有关"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    immediate_danger = forms.BooleanField(
        label=gettext_lazy("儿童现在正面临危险"),
        help_text=gettext_lazy("情况紧急请立即拨打 110"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    account = forms.CharField(
        label=gettext_lazy("看到或听到了什么"),
        help_text=gettext_lazy(
            "什么时候、在哪里、看到了什么伤情或情况、儿童说了什么（不超过 4000 字）。"
        ),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 5, "maxlength": "4000"}),
    )
    client_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        today = timezone.localdate().isoformat()
        self.fields["observed_on"].widget.attrs["max"] = today
        self._children(user)
        self._regions()

    def _children(self, user: Any) -> None:
        """A signed-in reporter may name a child of their register; the others describe."""
        if user is None:
            del self.fields["child_id"]
            return
        visible = children_visible_to(user=user)
        rows = list(visible.order_by("name", "pk").values_list("pk", "name")[:CHILD_OPTIONS_MAX])
        wanted = self.data.get("child_id") if self.is_bound else self.initial.get("child_id")
        if wanted and str(wanted).isdigit() and all(str(pk) != str(wanted) for pk, _n in rows):
            rows += list(visible.filter(pk=int(wanted)).values_list("pk", "name"))
        choices: list[tuple[Any, Any]] = [("", _("未登记或不清楚（在下面描述）"))]
        choices += [(pk, name) for pk, name in rows]
        field: Any = self.fields["child_id"]
        field.choices = choices

    def _regions(self) -> None:
        counties = counties_with_villages()
        county = self._value("county") or self._value("region_code")[:6]
        if not county and len(counties) == 1:
            county = counties[0][0]
        county = county[:6]
        self.county_chosen = county
        self.fields["county"].widget.choices = [("", _("请选择县（市、区）")), *counties]
        self.fields["county"].initial = county
        villages = villages_of_county(county) if county else []
        self.fields["region_code"].widget.choices = [
            ("", _("请选择村（社区）") if county else _("请先选择县（市、区）")),
            *villages,
        ]

    def _value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name) or "").strip()
        return str(self.initial.get(name) or "").strip()

    def add_refusal(self, exc: ApplicationError) -> None:
        problems = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
        self.add_problems(problems)

    def add_problems(self, problems: dict[Any, list[Any]]) -> None:
        for name, messages_ in problems.items():
            shown = name in self.fields and name != "client_token"
            if shown and name in self.errors:
                continue  # the form already said what is wrong with this field
            for problem in messages_:
                self.add_error(name if shown else None, str(problem))

    def error_summary(self) -> list[dict[str, str]]:
        """Each error with the id of its field (the summary at the top links to them)."""
        summary: list[dict[str, str]] = []
        order = [NON_FIELD_ERRORS, *self.fields]
        for name, problems in sorted(self.errors.items(), key=lambda e: order.index(e[0])):
            if name == NON_FIELD_ERRORS:
                anchor = "hh-report-form"
            elif isinstance(self.fields[name].widget, forms.RadioSelect | SituationsWidget):
                anchor = f"id_{name}_0"
            else:
                anchor = f"id_{name}"
            summary.extend({"anchor": anchor, "message": str(p)} for p in problems)
        return summary

    def report_data(self) -> ReportData:
        """What the form says, as the service reads it (unparsed values left empty)."""
        data = getattr(self, "cleaned_data", {})

        def text(name: str) -> str:
            return str(data.get(name) or "")

        return ReportData(
            reporter_kind=text("reporter_kind"),
            region_code=text("region_code"),
            situations=list(data.get("situations") or []),
            observed_on=data.get("observed_on"),
            account=text("account"),
            anonymous=bool(data.get("anonymous")),
            reporter_name=text("reporter_name"),
            reporter_unit=text("reporter_unit"),
            reporter_phone=text("reporter_phone"),
            child_id=data.get("child_id"),
            child_description=text("child_description"),
            child_sex=text("child_sex"),
            child_age=data.get("child_age"),
            place=text("place"),
            school_matter=bool(data.get("school_matter")),
            immediate_danger=bool(data.get("immediate_danger")),
        )


def counties_with_villages() -> list[tuple[str, str]]:
    """(6-digit prefix, full name) of the counties whose villages are loaded."""
    prefixes = sorted(
        set(
            Region.objects.filter(level=Region.Level.VILLAGE, active=True)
            .annotate(county=Substr("code", 1, 6))
            .values_list("county", flat=True)
            .distinct()
        )
    )
    labels = region_labels([p.ljust(12, "0") for p in prefixes])
    return [(p, labels.get(p.ljust(12, "0"), p)) for p in prefixes]


def villages_of_county(county: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The county's villages and communities grouped by township (a select's optgroups)."""
    if len(county) != 6 or not county.isdigit():
        return []
    rows = list(
        Region.objects.filter(
            code__startswith=county, level=Region.Level.VILLAGE, active=True
        ).values_list("code", "name")[:VILLAGE_OPTIONS_MAX]
    )
    townships = dict(
        Region.objects.filter(code__in={code[:9].ljust(12, "0") for code, _n in rows}).values_list(
            "code", "name"
        )
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name in rows:
        township = townships.get(code[:9].ljust(12, "0"), code[:9])
        groups.setdefault(township, []).append((code, name))
    return list(groups.items())


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


# -- pages: the queue ------------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """Where the department stands on a report, in words (never colour alone)."""

    state: str
    text: str
    overdue: bool
    due_at: dt.datetime | None


def hours_between(a: dt.datetime, b: dt.datetime) -> int:
    return max(0, math.ceil((b - a).total_seconds() / 3600))


def route_clock(route: ReportRoute | None, *, now: dt.datetime) -> Clock:
    if route is None:
        return Clock("routing", _("分派中"), False, None)
    if route.accepted_at is None:
        return _police_clock(route, now, state="to_accept", prefix=_("待受理"))
    if route.department == POLICE and route.feedback_at is None:
        return _police_clock(route, now, state="accepted", prefix=_("已受理"))
    if route.department == POLICE:
        return Clock("done", _("已反馈"), False, route.feedback_due_at)
    return Clock("accepted", _("已受理"), False, None)


def _police_clock(route: ReportRoute, now: dt.datetime, *, state: str, prefix: str) -> Clock:
    due = route.feedback_due_at
    if due is None or route.feedback_at is not None:
        return Clock(state, prefix, False, due)
    if now > due:
        text = _("%(state)s · 反馈已逾期 %(n)s 小时") % {
            "state": prefix,
            "n": hours_between(due, now),
        }
        return Clock("overdue", text, True, due)
    text = _("%(state)s · %(n)s 小时内须反馈") % {"state": prefix, "n": hours_between(now, due)}
    return Clock(state, text, False, due)


@dataclass(frozen=True)
class QueueRow:
    report: Report
    situations: list[str]
    county: str
    clock: Clock
    registered: bool


def _my_routes(department: str) -> Prefetch[Any]:
    return Prefetch(
        "routes", queryset=ReportRoute.objects.filter(department=department), to_attr="mine"
    )


def _to_accept(queryset: Any, department: str) -> Any:
    waiting = queryset.filter(routes__department=department, routes__accepted_at__isnull=True)
    if department == CIVIL_AFFAIRS:
        waiting = waiting | queryset.filter(routed_at__isnull=True)
    return waiting.distinct()


@login_required
@require_GET
def report_queue(request: HttpRequest) -> HttpResponse:
    """The reports routed to the user's department in their jurisdiction, newest first."""
    require(request.user, Perm.VIEW_REPORTS)
    department = department_acting(request.user)
    show = request.GET.get("show", "all")
    visible = reports_visible_to(user=request.user)
    queryset = _to_accept(visible, department) if show == "todo" else visible
    queryset = queryset.prefetch_related(_my_routes(department)).order_by("-received_at", "-id")
    page = Paginator(queryset, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    counties = region_labels({r.region_code[:6].ljust(12, "0") for r in page})
    now = timezone.now()
    rows = [
        QueueRow(
            report=r,
            situations=short_situations(r.situations),
            county=counties.get(r.region_code[:6].ljust(12, "0"), r.region_code[:6]),
            clock=route_clock(next(iter(r.mine), None), now=now),
            registered=r.child_id is not None,
        )
        for r in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "show": "todo" if show == "todo" else "all",
        "to_accept": _to_accept(visible, department).count(),
        "department": department_label(department),
    }
    return render(request, "protection/report_queue.html", context)


# -- pages: one report -----------------------------------------------------------------------
class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=gettext_lazy("向报告单位反馈的处理情况"),
        help_text=gettext_lazy("例如：已立案侦查，儿童已由亲属临时照料。不要写报告人身份。"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3, "maxlength": "2000"}),
    )


class FindingForm(forms.Form):
    finding = forms.ChoiceField(
        label=gettext_lazy("核查结论"),
        choices=[
            (Report.Finding.SUBSTANTIATED, gettext_lazy("情况属实")),
            (Report.Finding.NOT_SUBSTANTIATED, gettext_lazy("未发现侵害")),
        ],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class LinkChildForm(forms.Form):
    child_id = forms.IntegerField(
        label=gettext_lazy("儿童档案编号"),
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={"invalid": gettext_lazy("档案编号应为数字")},
    )


class ReporterRevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("查看理由"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("例如：向报告单位反馈处理情况。理由会记入审计记录。"),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


@dataclass(frozen=True)
class RouteRow:
    route: ReportRoute
    department: str
    clock: Clock
    mine: bool


def _child_shown(user: Any, report: Report) -> Child | None:
    """The registered child, when the user may open the file (name and link)."""
    if report.child_id is None:
        return None
    return children_visible_to(user=user).filter(pk=report.child_id).first()


def _actions(user: Any, report: Report, mine: ReportRoute | None) -> dict[str, bool]:
    acts = has_perm(user, Perm.ACT_ON_REPORT) and mine is not None
    department = mine.department if mine is not None else ""
    return {
        "accept": acts and mine is not None and mine.accepted_at is None,
        "feedback": acts
        and department == POLICE
        and mine is not None
        and mine.accepted_at is not None
        and mine.feedback_at is None,
        "finding": acts and department in (POLICE, CIVIL_AFFAIRS),
        "link": acts and report.child_id is None,
        "reveal": acts
        and has_perm(user, Perm.REVEAL_REPORTER)
        and department in (POLICE, CIVIL_AFFAIRS),
    }


def _detail(
    request: AuthedRequest,
    report: Report,
    *,
    status: int = 200,
    refusal: str = "",
    reporter: Reporter | None = None,
    **forms_: Any,
) -> HttpResponse:
    user = request.user
    department = department_acting(user)
    now = timezone.now()
    routes = list(report.routes.select_related("accepted_by").order_by("routed_at", "id"))
    mine = next((r for r in routes if r.department == department), None)
    region = region_labels([report.region_code]).get(report.region_code, report.region_code)
    query = str(request.GET.get("child_q") or "").strip()
    matches: list[Child] = []
    actions = _actions(user, report, mine)
    if query and actions["link"]:
        matches = list(
            children_visible_to(user=user)
            .filter(name__icontains=query)
            .select_related("region")
            .order_by("name", "pk")[:CHILD_MATCHES_MAX]
        )
    context = {
        "report": report,
        "region": region,
        "situations": [
            (code, str(Situation(code).label))
            for code in report.situations
            if code in Situation.values
        ],
        "child": _child_shown(user, report),
        "sex": dict(SEX_CHOICES).get(report.child_sex, ""),
        "routes": [
            RouteRow(r, department_label(r.department), route_clock(r, now=now), r is mine)
            for r in routes
        ],
        "mine": mine,
        "actions": actions,
        "refusal": refusal,
        "reporter": reporter,
        "child_q": query,
        "matches": matches,
        "feedback_form": forms_.get("feedback_form") or FeedbackForm(),
        "finding_form": forms_.get("finding_form")
        or FindingForm(initial={"finding": report.finding}),
        "link_form": forms_.get("link_form") or LinkChildForm(),
        "reveal_form": forms_.get("reveal_form") or ReporterRevealForm(),
    }
    return render(request, "protection/report_detail.html", context, status=status)


def _report_for(request: HttpRequest, report_id: int) -> tuple[AuthedRequest, Report]:
    authed: Any = request
    return authed, access_report_by_id(request.user, report_id)


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report: what was seen, where and when, its routes and deadlines (audited)."""
    authed, report = _report_for(request, report_id)
    report_record_view(actor=authed.user, report=report)
    return _detail(authed, report)


def _acted(request: HttpRequest, report: Report, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("protection:report_detail", report_id=report.pk)


def _refused(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed):
        return "；".join(str(m) for problems in exc.errors.values() for m in problems)
    return str(exc.message)


@login_required
@require_POST
def report_accept_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    try:
        route = report_accept(actor=authed.user, report=report)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        return _detail(authed, report, status=exc.status, refusal=_refused(exc))
    return _acted(
        request,
        report,
        _("%(dept)s已受理报告 %(number)s。")
        % {"dept": department_label(route.department), "number": report.number},
    )


@login_required
@require_POST
def report_feedback_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    form = FeedbackForm(request.POST)
    form.is_valid()
    try:
        report_feedback_give(
            actor=authed.user, report=report, feedback=str(form.cleaned_data.get("feedback") or "")
        )
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        for message in exc.errors.get("feedback", []) if isinstance(exc, ValidationFailed) else []:
            form.add_error("feedback", str(message))
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), feedback_form=form)
    return _acted(request, report, _("已记录向报告单位的反馈。"))


@login_required
@require_POST
def report_finding_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    form = FindingForm(request.POST)
    form.is_valid()
    finding = str(request.POST.get("finding") or "")
    try:
        report_finding_record(actor=authed.user, report=report, finding=finding)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), finding_form=form)
    return _acted(request, report, _("已记录核查结论。"))


@login_required
@require_POST
def report_link_child_page(request: HttpRequest, report_id: int) -> HttpResponse:
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.ACT_ON_REPORT)
    form = LinkChildForm(request.POST)
    child_id = form.cleaned_data.get("child_id") if form.is_valid() else None
    child = (
        children_visible_to(user=authed.user).filter(pk=child_id).first()
        if child_id is not None
        else None
    )
    if child is None:
        message = _("找不到该儿童档案，或它不在您的管辖范围内")
        form.add_error("child_id", message)
        return _detail(authed, report, status=400, refusal=message, link_form=form)
    try:
        report_child_link(actor=authed.user, report=report, child=child)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), link_form=form)
    return _acted(request, report, _("报告已关联到儿童档案。"))


@login_required
@require_POST
def report_reveal_page(request: HttpRequest, report_id: int) -> HttpResponse:
    """Who reported, shown once for a reason that goes into the audit log."""
    authed, report = _report_for(request, report_id)
    require(authed.user, Perm.REVEAL_REPORTER)
    form = ReporterRevealForm(request.POST)
    reason = str(form.cleaned_data.get("reason") or "") if form.is_valid() else ""
    if not form.is_valid():
        return _detail(authed, report, status=400, reveal_form=form)
    try:
        reporter = report_reporter_reveal(actor=authed.user, report=report, reason=reason)
    except PermissionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ApplicationError as exc:
        for message in exc.errors.get("reason", []) if isinstance(exc, ValidationFailed) else []:
            form.add_error("reason", str(message))
        return _detail(authed, report, status=exc.status, refusal=_refused(exc), reveal_form=form)
    response = _detail(authed, report, reporter=reporter)
    # The identity is shown once: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("report/", report_new, name="report_new"),
    path("report/receipt/<int:report_id>/", report_receipt, name="report_receipt"),
    path("reports/", report_queue, name="reports"),
    path("reports/<int:report_id>/", report_detail, name="report_detail"),
    path("reports/<int:report_id>/accept/", report_accept_page, name="report_accept"),
    path("reports/<int:report_id>/feedback/", report_feedback_page, name="report_feedback"),
    path("reports/<int:report_id>/finding/", report_finding_page, name="report_finding"),
    path("reports/<int:report_id>/link-child/", report_link_child_page, name="report_link_child"),
    path("reports/<int:report_id>/reveal-reporter/", report_reveal_page, name="report_reveal"),
]
