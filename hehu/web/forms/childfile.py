"""A child's whole file as one page of forms: parse it into `ChildData`, fill it from a
stored file, and put the services' errors (paths such as "parents[0].conditions[1].until")
next to the fields they name, with a summary at the top linking to each (GOV.UK pattern).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BaseForm, formset_factory
from django.utils.translation import gettext_lazy as _

from hehu.registry.data import (
    ChildData,
    ConcernData,
    ConditionData,
    HouseholdData,
    MemberData,
    ParentData,
    ReceivingData,
)
from hehu.registry.models import Child, Parent
from hehu.web.forms.child import (
    ChildForm,
    ConcernForm,
    ConditionForm,
    HouseholdForm,
    MemberForm,
    ParentForm,
    ReceivingForm,
)
from hehu.web.forms.initial import initial_from_child, new_file

PARENT_ROLES = (Parent.Role.FATHER, Parent.Role.MOTHER)
CONDITION_ROWS = 3  # rows per parent on a new file; one more than those stored on edit
MEMBER_ROWS = 3
CONCERN_ROWS = 2
RECEIVING_ROWS = 2

_INDEXED = re.compile(r"^(?P<name>\w+)\[(?P<index>\d+)\]$")


@dataclass(frozen=True)
class SummaryError:
    """One line of the error summary: the message and the id of the field it is about."""

    message: str
    anchor: str


def _formset(form: type[forms.Form], rows: int, stored: int) -> type[forms.BaseFormSet[Any]]:
    extra = max(rows - stored, 1)
    return formset_factory(form, extra=extra, can_delete=True, can_delete_extra=False)


def _rows(formset: forms.BaseFormSet[Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index of the form, its data) for each row that was filled in and not deleted.

    A row emptied of everything counts as removed, like a row marked for deletion.
    """
    rows = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if all(value in (None, "", False) for key, value in data.items() if key != "DELETE"):
            continue
        rows.append((index, data))
    return rows


class ParentSection:
    """A parent's form and the formset of their conditions."""

    def __init__(
        self, role: str, data: Any, *, initial: dict[str, Any] | None, conditions: list[Any]
    ) -> None:
        self.role = role
        self.label = Parent.Role(role).label
        self.form = ParentForm(data, prefix=role, initial=initial)
        factory = _formset(ConditionForm, CONDITION_ROWS, len(conditions))
        self.conditions = factory(data, prefix=f"{role}-cond", initial=conditions or None)
        self.condition_rows: list[int] = []

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.conditions.is_valid()])

    def to_data(self) -> ParentData | None:
        rows = _rows(self.conditions)
        if not rows and not self.form.has_content():
            return None
        self.condition_rows = [index for index, _data in rows]
        data = self.form.cleaned_data
        return ParentData(
            role=self.role,
            name=data["name"],
            vital_status=data["vital_status"],
            migrant_worker=data["migrant_worker"],
            phone=data["phone"],
            conditions=[_condition(row) for _index, row in rows],
        )


def _condition(row: dict[str, Any]) -> ConditionData:
    return ConditionData(
        type=row["type"],
        since=row["since"],
        until=row["until"],
        term_months=row["term_months"],
        disability_category=row["disability_category"],
        disability_grade=row["disability_grade"],
        illness_name=row["illness_name"],
        police_accepted_on=row["police_accepted_on"],
        police_receipt=row["police_receipt"],
        on=row["on"],
        supports_child=row["supports_child"],
        evidence_kind=row["evidence_kind"],
        evidence_reference=row["evidence_reference"],
    )


class ChildFile:
    """Every form of one child's file; `editing` when a stored file is being changed."""

    def __init__(
        self,
        data: Any = None,
        *,
        child: Child | None = None,
        initial_regions: str = "",
    ) -> None:
        self.editing = child is not None
        self.had_id_number = bool(child and child.id_number_index)
        # A stored household is always sent back, so that emptying it is saved too (the
        # services leave the household alone when none is given).
        self.had_household = bool(child and child.household_id)
        init = initial_from_child(child) if child is not None else new_file(initial_regions)
        self.child = ChildForm(data, initial=init["child"])
        self.household = HouseholdForm(data, prefix="household", initial=init["household"])
        members = init["members"]
        self.members = _formset(MemberForm, MEMBER_ROWS, len(members))(
            data, prefix="member", initial=members or None
        )
        self.parents = [
            ParentSection(
                role,
                data,
                initial=init["parents"].get(role),
                conditions=init["conditions"].get(role, []),
            )
            for role in PARENT_ROLES
        ]
        concerns, receiving = init["concerns"], init["receiving"]
        self.concerns = _formset(ConcernForm, CONCERN_ROWS, len(concerns))(
            data, prefix="concern", initial=concerns or None
        )
        self.receiving = _formset(ReceivingForm, RECEIVING_ROWS, len(receiving))(
            data, prefix="receiving", initial=receiving or None
        )
        # Filled by to_data(): which form each index of the services' lists came from.
        self._member_rows: list[int] = []
        self._parent_order: list[ParentSection] = []
        self._concern_rows: list[int] = []
        self._receiving_rows: list[int] = []
        self.non_field_errors: list[str] = []

    # Parsing ---------------------------------------------------------------------------

    def is_valid(self) -> bool:
        results = [
            self.child.is_valid(),
            self.household.is_valid(),
            self.members.is_valid(),
            self.concerns.is_valid(),
            self.receiving.is_valid(),
            *(section.is_valid() for section in self.parents),
        ]
        return all(results)

    @property
    def version(self) -> int | None:
        value = self.child.cleaned_data.get("version")
        return int(value) if value is not None else None

    @property
    def reason(self) -> str:
        return str(self.child.cleaned_data.get("reason") or "")

    def to_data(self) -> ChildData:
        """The typed input as the registry services take it (call after is_valid())."""
        c = self.child.cleaned_data
        typed_id = (c["id_number"] or "").strip()
        member_rows = _rows(self.members)
        self._member_rows = [index for index, _row in member_rows]
        household = None
        if member_rows or self.household.has_content() or self.had_household:
            h = self.household.cleaned_data
            household = HouseholdData(
                address=h["address"],
                dibao=h["dibao"],
                tekun=h["tekun"],
                low_income=h["low_income"],
                dibao_child_amount=h["dibao_child_amount"],
                income_per_capita=h["income_per_capita"],
                members=[
                    MemberData(
                        name=row["name"],
                        relation=row["relation"],
                        birth_date=row["birth_date"],
                        notes=row["notes"],
                    )
                    for _index, row in member_rows
                ],
            )
        parents = []
        self._parent_order = []
        for section in self.parents:
            parent = section.to_data()
            if parent is not None:
                parents.append(parent)
                self._parent_order.append(section)
        concern_rows = _rows(self.concerns)
        self._concern_rows = [index for index, _row in concern_rows]
        receiving_rows = _rows(self.receiving)
        self._receiving_rows = [index for index, _row in receiving_rows]
        return ChildData(
            name=c["name"],
            sex=c["sex"],
            birth_date=c["birth_date"],
            region_code=c["region_code"].strip(),
            hukou_region_code=c["hukou_region_code"].strip(),
            hukou_type=c["hukou_type"],
            living_arrangement=c["living_arrangement"],
            education=c["education"],
            id_number=typed_id or None,
            keep_id_number=self.editing and not typed_id,
            no_id_reason=c["no_id_reason"],
            disability_category=c["disability_category"],
            disability_grade=c["disability_grade"],
            disability_certificate=c["disability_certificate"],
            serious_illness=c["serious_illness"],
            serious_illness_name=c["serious_illness_name"],
            guardian_name=c["guardian_name"],
            guardian_relation=c["guardian_relation"],
            guardian_able_to_care=c["guardian_able_to_care"],
            guardian_phone=c["guardian_phone"],
            guardianship_grade=c["guardianship_grade"],
            external_id=c["external_id"],
            household=household,
            parents=parents,
            concerns=[
                ConcernData(
                    type=row["type"], substantiated=row["substantiated"], since=row["since"]
                )
                for _index, row in concern_rows
            ],
            receiving=[
                ReceivingData(programme=row["programme"], monthly_amount=row["monthly_amount"])
                for _index, row in receiving_rows
            ],
        )

    # Errors ----------------------------------------------------------------------------

    def add_errors(self, errors: dict[str, list[Any]]) -> None:
        """Attach the services' errors to the fields their paths name."""
        for path, messages in errors.items():
            form, field = self._locate(path)
            for message in messages:
                if form is None:
                    self.non_field_errors.append(str(message))
                else:
                    form.add_error(field, str(message))

    def add_error(self, field: str, message: Any) -> None:
        self.add_errors({field: [message]})

    def _locate(self, path: str) -> tuple[BaseForm | None, str | None]:
        parts = path.split(".")
        head = _INDEXED.match(parts[0])
        if len(parts) == 1 and head is None:
            return _field_of(self.child, parts[0])
        if parts[0] == "household":
            if len(parts) == 2:
                return _field_of(self.household, parts[1])
            member = _INDEXED.match(parts[1])
            if member and member["name"] == "members" and len(parts) == 3:
                return _row_field(self.members, self._member_rows, int(member["index"]), parts[2])
            return None, None
        if head is None:
            return None, None
        index = int(head["index"])
        if head["name"] == "parents" and index < len(self._parent_order):
            return self._locate_parent(self._parent_order[index], parts[1:])
        if head["name"] == "concerns" and len(parts) == 2:
            return _row_field(self.concerns, self._concern_rows, index, parts[1])
        if head["name"] == "receiving" and len(parts) == 2:
            return _row_field(self.receiving, self._receiving_rows, index, parts[1])
        return None, None

    def _locate_parent(
        self, section: ParentSection, parts: list[str]
    ) -> tuple[BaseForm | None, str | None]:
        if len(parts) == 1:
            return _field_of(section.form, parts[0])
        condition = _INDEXED.match(parts[0])
        if condition and condition["name"] == "conditions" and len(parts) == 2:
            index = int(condition["index"])
            return _row_field(section.conditions, section.condition_rows, index, parts[1])
        return None, None

    def forms(self) -> Iterator[tuple[BaseForm, str]]:
        """Every form on the page in page order, with words saying which part it is."""
        yield self.child, ""
        yield self.household, str(_("家庭"))
        for i, form in enumerate(self.members.forms, start=1):
            yield form, str(_("家庭成员%(n)d") % {"n": i})
        for section in self.parents:
            yield section.form, str(section.label)
            for i, form in enumerate(section.conditions.forms, start=1):
                yield form, str(_("%(parent)s情形%(n)d") % {"parent": section.label, "n": i})
        for i, form in enumerate(self.concerns.forms, start=1):
            yield form, str(_("保护关切%(n)d") % {"n": i})
        for i, form in enumerate(self.receiving.forms, start=1):
            yield form, str(_("已享受待遇%(n)d") % {"n": i})

    def error_summary(self) -> list[SummaryError]:
        """Every error on the page, in page order, each linking to its field."""
        summary = [SummaryError(message, "hh-form-top") for message in self.non_field_errors]
        for form, part in self.forms():
            if not form.is_bound:
                continue
            for message in form.non_field_errors():
                text = _colon(part, str(message)) if part else str(message)
                summary.append(SummaryError(text, _first_field_id(form)))
            for name, field_errors in form.errors.items():
                if name == "__all__":
                    continue
                label = str(form.fields[name].label or "") if name in form.fields else ""
                for message in field_errors:
                    text = str(message)
                    if label and label not in text:
                        text = _colon(label, text)
                    if part:
                        text = f"{part} · {text}"
                    summary.append(SummaryError(text, _field_id(form, name)))
        return summary

    @property
    def id_number_help(self) -> str:
        if self.editing and self.had_id_number:
            return str(_("已登记身份证号码。留空则保留原号码；填写则替换为新号码"))
        return ""


def _colon(label: str, message: str) -> str:
    return str(_("%(label)s：%(message)s") % {"label": label, "message": message})


def _field_of(form: BaseForm, name: str) -> tuple[BaseForm, str | None]:
    return form, name if name in form.fields else None


def _row_field(
    formset: forms.BaseFormSet[Any], rows: list[int], index: int, name: str
) -> tuple[BaseForm | None, str | None]:
    if index >= len(rows):
        return None, None
    return _field_of(formset.forms[rows[index]], name)


def _field_id(form: BaseForm, name: str) -> str:
    field = form[name]
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):
        return f"{field.auto_id}_0"
    return str(field.auto_id)


def _first_field_id(form: BaseForm) -> str:
    first = next(iter(form.fields))
    return _field_id(form, first)
