"""The plan editor: goal and item rows as formsets, turned into plan data and back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BaseForm, formset_factory
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.accounts.models import Department, Organisation
from hehu.cases.models import Case, PlanItem, ServicePlan
from hehu.cases.services import plans as services
from hehu.cases.services.plans import NEED_LABELS, SUPPORT_LABELS, GoalData, ItemData

P = ServicePlan.Status
GOAL_ROWS_EXTRA = 1
ITEM_ROWS_EXTRA = 1
GOAL_CHOICES_SPARE = 3  # item rows may point at goal rows added after the page was drawn
_PATH = re.compile(r"^(?P<name>goals|items)\[(?P<index>\d+)\]\.(?P<field>\w+)$")


# -- forms ------------------------------------------------------------------------------------


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form: BaseForm) -> None:
    """Bootstrap classes on every field (the delete box is a check box)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class GoalForm(forms.Form):
    need = forms.ChoiceField(label=gettext_lazy("需求领域"), required=False)
    description = forms.CharField(
        label=gettext_lazy("目标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("这一需求要达到什么，例如“按时足额领取生活补贴”"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("请选择")), *NEED_LABELS.items()]
        current = self.data.get(self.add_prefix("need")) if self.is_bound else None
        current = current or self.initial.get("need")
        if current and current not in NEED_LABELS:
            choices.append((current, current))
        self.fields["need"].choices = choices  # type: ignore[attr-defined]
        _style(self)


def _support_choices() -> list[tuple[Any, Any]]:
    groups: list[tuple[Any, Any]] = [("", _("请选择"))]
    for kind, supports in SUPPORT_LABELS.items():
        groups.append((PlanItem.Kind(kind).label, list(supports.items())))
    return groups


def _provider_choices() -> list[tuple[Any, Any]]:
    organisations = [
        (f"org:{pk}", name) for pk, name in Organisation.objects.values_list("pk", "name")
    ]
    return [
        ("", _("请选择")),
        (_("部门"), [(f"dept:{code}", label) for code, label in Department.choices]),
        (_("社会组织"), organisations),
    ]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        required=False,
        choices=[("", gettext_lazy("请选择")), *PlanItem.Kind.choices],
    )
    support = forms.ChoiceField(label=gettext_lazy("支持项目"), required=False)
    goal = forms.ChoiceField(label=gettext_lazy("对应目标"), required=False)
    description = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)
    provider = forms.ChoiceField(
        label=gettext_lazy("提供方"),
        required=False,
        help_text=gettext_lazy("一个部门或一个社会组织"),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("金额（元）"),
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=gettext_lazy("资金类填写，保留两位小数"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("数量"),
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text=gettext_lazy("实物类必填；服务可填次数"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    unit = forms.CharField(label=gettext_lazy("单位"), required=False, max_length=20)
    frequency = forms.ChoiceField(
        label=gettext_lazy("频次"),
        required=False,
        choices=[("", gettext_lazy("请选择")), *PlanItem.Frequency.choices],
    )
    starts_on = forms.DateField(
        label=gettext_lazy("开始日期"), required=False, widget=_date_input()
    )
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), required=False, widget=_date_input())
    responsible = forms.ChoiceField(label=gettext_lazy("责任人"), required=False)
    responsible_name = forms.CharField(
        label=gettext_lazy("责任人姓名"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("责任人没有账号时填写姓名"),
    )

    def __init__(self, *args: Any, choices: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            self.fields[name].choices = options  # type: ignore[attr-defined]
        current = self.data.get(self.add_prefix("support")) if self.is_bound else None
        current = current or self.initial.get("support")
        known = {code for supports in SUPPORT_LABELS.values() for code in supports}
        if current and current not in known:
            self.fields["support"].choices = [  # type: ignore[attr-defined]
                *choices["support"],
                (current, current),
            ]
        _style(self)


@dataclass(frozen=True)
class SummaryError:
    message: str
    anchor: str


class PlanEditor:
    """The editor's forms: summary and version, the goal rows and the item rows."""

    def __init__(self, case: Case, data: QueryDict | None = None, *, plan: ServicePlan) -> None:
        self.plan = plan
        goals, items = services.plan_data_of(plan) if data is None else ([], [])
        goal_factory = formset_factory(GoalForm, extra=GOAL_ROWS_EXTRA, can_delete=True)
        item_factory = formset_factory(ItemForm, extra=ITEM_ROWS_EXTRA, can_delete=True)
        self.goals = goal_factory(
            data,
            prefix="goals",
            initial=[{"need": g.need, "description": g.description} for g in goals],
        )
        goal_rows = max(self.goals.total_form_count(), 1) + GOAL_CHOICES_SPARE
        responsible = [
            (str(u.pk), f"{u.full_name or u.username}（{u.get_role_display()}）")
            for u in services.responsible_choices(case=case)
        ]
        self.choices = {
            "support": _support_choices(),
            "provider": _provider_choices(),
            "goal": [("", _("不对应具体目标"))]
            + [(str(n), _("目标 %(n)s") % {"n": n}) for n in range(1, goal_rows + 1)],
            "responsible": [("", _("没有账号，填写姓名"))] + responsible,
        }
        self.items = item_factory(
            data,
            prefix="items",
            initial=[_item_initial(i) for i in items],
            form_kwargs={"choices": self.choices},
        )
        self.summary = data.get("summary", "") if data is not None else plan.summary
        version = data.get("version", "") if data is not None else str(plan.version)
        self.version: int | None = int(version) if str(version).isdigit() else None
        self.non_field_errors: list[str] = []
        self.summary_errors: list[str] = []
        self._goal_rows: list[int] = []
        self._item_rows: list[int] = []

    def is_valid(self) -> bool:
        return all([self.goals.is_valid(), self.items.is_valid()])

    def to_data(self) -> tuple[list[GoalData], list[ItemData]]:
        goal_rows = _filled(self.goals)
        self._goal_rows = [index for index, _row in goal_rows]
        position = {index: n for n, index in enumerate(self._goal_rows)}
        item_rows = _filled(self.items)
        self._item_rows = [index for index, _row in item_rows]
        goals = [
            GoalData(need=row["need"], description=row["description"]) for _i, row in goal_rows
        ]
        items = [_item_data(row, position) for _i, row in item_rows]
        return goals, items

    def add_errors(self, errors: dict[str, list[Any]]) -> None:
        for where, messages_ in errors.items():
            match = _PATH.match(where)
            form = field = None
            if match:
                formset, rows = (
                    (self.goals, self._goal_rows)
                    if match["name"] == "goals"
                    else (self.items, self._item_rows)
                )
                index = int(match["index"])
                if index < len(rows):
                    form = formset.forms[rows[index]]
                    field = match["field"] if match["field"] in form.fields else None
            for message in messages_:
                if form is not None:
                    form.add_error(field, str(message))
                elif where == "summary":
                    self.summary_errors.append(str(message))
                else:
                    self.non_field_errors.append(str(message))

    def error_summary(self) -> list[SummaryError]:
        summary = [SummaryError(m, "hh-form-top") for m in self.non_field_errors]
        summary += [SummaryError(m, "id_summary") for m in self.summary_errors]
        for title, formset in ((_("目标"), self.goals), (_("帮扶措施"), self.items)):
            for number, form in enumerate(formset.forms, start=1):
                if not form.is_bound:
                    continue
                for name, errors in form.errors.items():
                    anchor = form[name].auto_id if name in form.fields else "hh-form-top"
                    label = str(form.fields[name].label) if name in form.fields else ""
                    for message in errors:
                        text = (
                            f"{title} {number} · {label}：{message}"
                            if label
                            else f"{title} {number} · {message}"
                        )
                        summary.append(SummaryError(text, str(anchor)))
        return summary


def _item_initial(item: ItemData) -> dict[str, Any]:
    provider = (
        f"org:{item.provider_organisation_id}"
        if item.provider_organisation_id
        else f"dept:{item.provider_department}"
        if item.provider_department
        else ""
    )
    return {
        "kind": item.kind,
        "support": item.support,
        "goal": str(item.goal + 1) if item.goal is not None else "",
        "description": item.description,
        "provider": provider,
        "amount": item.amount,
        "quantity": item.quantity,
        "unit": item.unit,
        "frequency": item.frequency,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "responsible": str(item.responsible_id) if item.responsible_id else "",
        "responsible_name": item.responsible_name,
    }


def _filled(formset: forms.BaseFormSet[Any]) -> list[tuple[int, dict[str, Any]]]:
    """(row index, data) of each row filled in and not deleted."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        if all(value in (None, "", False) for key, value in data.items() if key != "DELETE"):
            continue
        rows.append((index, data))
    return rows


def _item_data(row: dict[str, Any], goal_position: dict[int, int]) -> ItemData:
    provider = row["provider"] or ""
    goal: int | None = None
    if row["goal"]:
        # The row number on the page → the goal's place among the filled goal rows; a row
        # left empty or deleted is no goal (the service says so on this item).
        goal = goal_position.get(int(row["goal"]) - 1, -1)
    responsible = row["responsible"]
    return ItemData(
        kind=row["kind"],
        support=row["support"],
        frequency=row["frequency"],
        starts_on=row["starts_on"],
        goal=goal,
        description=row["description"],
        provider_department=provider[5:] if provider.startswith("dept:") else "",
        provider_organisation_id=int(provider[4:]) if provider.startswith("org:") else None,
        quantity=row["quantity"],
        unit=row["unit"],
        amount=row["amount"],
        ends_on=row["ends_on"],
        responsible_id=int(responsible) if responsible else None,
        responsible_name=row["responsible_name"],
    )


# -- helpers ----------------------------------------------------------------------------------
