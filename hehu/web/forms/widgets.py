"""Widgets shared by Hehu forms: native date pickers and large targets on phones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class DateInput(forms.DateInput):
    """`<input type="date">`: the phone's own date picker, ISO values both ways."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def text(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control", **attrs})


def select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


class LongSelect(forms.Select):
    """A select of hundreds of options (the regions of a county), rendered in Python.

    Django's widget renders one template per option, about 0.2 ms each: with ~220 regions
    that was half the CPU of the children list page (docs/performance.md). The markup is
    the same as Django's (a test compares them); grouped choices fall back to Django.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if any(isinstance(label, list | tuple) for _, label in self.choices):
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        options = []
        has_selected = False
        for option_value, label in self.choices:
            text_value = "" if option_value is None else str(option_value)
            selected = text_value in chosen and not has_selected
            has_selected = has_selected or selected
            options.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    text_value,
                    mark_safe(" selected") if selected else "",  # noqa: S308 - constant
                    label,
                )
            )
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        return format_html(
            "<select{}>{}</select>",
            flatatt(final_attrs),
            mark_safe("".join(options)),  # noqa: S308 - each option escaped above
        )


def long_select() -> LongSelect:
    return LongSelect(attrs={"class": "form-select"})


def date() -> DateInput:
    return DateInput(attrs={"class": "form-control"})


def checkbox() -> forms.CheckboxInput:
    return forms.CheckboxInput(attrs={"class": "form-check-input"})


def radios() -> forms.RadioSelect:
    return forms.RadioSelect(attrs={"class": "form-check-input"})


def number(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "form-control", **attrs})


def blank(label: Any) -> list[tuple[str, Any]]:
    """The first, empty option of a select, saying what choosing nothing means."""
    return [("", label)]
