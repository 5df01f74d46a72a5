"""Widgets shared by Hehu forms: native date pickers and large targets on phones."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """`<input type="date">`: the phone's own date picker, ISO values both ways."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def text(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control", **attrs})


def select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


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
