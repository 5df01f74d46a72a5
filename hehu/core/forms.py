"""The base of the pages' forms: a service's refusal shown next to its field and in the
summary at the top (UX.md: the error says what to do, beside what caused it).

Forms give the page its shape only; the services decide what is required and allowed, so a
page and the API refuse the same things with the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from hehu.core.errors import ApplicationError, ValidationFailed


class RefusalForm(forms.Form):
    """A form that shows a service's refusal next to each field and in the summary."""

    anchor = "hh-form"
    marked_required: frozenset[str] = frozenset()
    # A service's field name → the form's, where they differ.
    service_fields: dict[str, str] = {}
    # Where the summary's link for a field goes, where the page draws the field itself.
    anchors: dict[str, str] = {}

    def field_for(self, service_field: str) -> str:
        """The form field a service's field name stands for."""
        return self.service_fields.get(service_field, service_field)

    def add_refusal(self, exc: ApplicationError) -> None:
        problems = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
        for name, found in problems.items():
            field = self.field_for(name or "")
            for problem in found:
                self.add_error(field if field in self.fields else None, str(problem))

    def clean(self) -> dict[str, Any]:
        # A tampered choice is reported by the service in its own words.
        cleaned = super().clean() or {}
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField) and name in self.errors:
                del self.errors[name]
                cleaned[name] = [] if isinstance(field, forms.MultipleChoiceField) else ""
        return cleaned

    def _id(self, name: str) -> str:
        pattern = self.auto_id if isinstance(self.auto_id, str) else "id_%s"
        return pattern % name if "%s" in pattern else f"id_{name}"

    def error_summary(self) -> list[dict[str, str]]:
        summary: list[dict[str, str]] = []
        for name, problems in self.errors.items():
            if name in self.anchors:
                anchor = self.anchors[name]
            elif name == NON_FIELD_ERRORS:
                anchor = self.anchor
            elif isinstance(
                self.fields[name].widget, forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                anchor = f"{self._id(name)}_0"
            else:
                anchor = self._id(name)
            summary.extend({"anchor": anchor, "message": str(p)} for p in problems)
        return summary
