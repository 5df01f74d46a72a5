"""Widgets shared by Hehu forms: native date pickers and large targets on phones."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.utils import formats
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString, mark_safe


class DateInput(forms.DateInput):
    """`<input type="date">`: the phone's own date picker, ISO values both ways."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def text(**attrs: Any) -> TextInput:
    return TextInput(attrs={"class": "form-control", **attrs})


def select() -> Select:
    return Select(attrs={"class": "form-select"})


# Django renders a widget through its templates: input.html includes attrs.html, and a select
# includes one select_option.html (and one attrs.html) per option. On the children list the
# search form's widgets were over a quarter of the page's rendering (docs/performance.md), so
# the text inputs and selects below produce the very same bytes in Python (tests compare
# them with Django's for values, attributes, escaping and choices).


def _attr_value(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` in a template: %s-formatted, escaped unless safe."""
    text = "%s" % (value,)  # noqa: UP031 - exactly the template filter's formatting
    return text if isinstance(value, SafeData) else html.escape(text)


def _label(value: Any) -> str:
    """`{{ value }}` in a template: localized (numbers, dates), escaped unless safe."""
    if not isinstance(value, str | Promise):
        value = formats.localize(value)
    text = value if isinstance(value, str) else str(value)
    return text if isinstance(text, SafeData) else html.escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, bare for True, none for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_label(name)}")
        else:
            parts.append(f' {_label(name)}="{_attr_value(value)}"')
    return "".join(parts)


class TextInput(forms.TextInput):
    """`<input type="text">` (or the type given in attrs), rendered in Python."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        formatted = self.format_value(value)
        shown = "" if formatted is None else f' value="{_attr_value(formatted)}"'
        final_attrs = _attrs(self.build_attrs(self.attrs, attrs))
        return mark_safe(  # noqa: S308 - every part escaped above
            f'<input type="{_label(self.input_type)}" name="{_label(name)}"{shown}{final_attrs}>'
        )


class Select(forms.Select):
    """A `<select>`, rendered in Python; grouped choices and multiple selection are left to
    Django's templates."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if self.allow_multiple_selected or any(
            isinstance(label, list | tuple) for _, label in self.choices
        ):
            return super().render(name, value, attrs, renderer)
        chosen = self.format_value(value)
        options = []
        has_selected = False
        for option_value, label in self.choices:
            if option_value is None:
                option_value = ""
            selected = not has_selected and str(option_value) in chosen
            has_selected = has_selected or selected
            options.append(
                f'\n  <option value="{_attr_value(option_value)}"'
                f"{' selected' if selected else ''}>{_label(label)}</option>\n"
            )
        final_attrs = _attrs(self.build_attrs(self.attrs, attrs))
        return mark_safe(  # noqa: S308 - every part escaped above
            f'<select name="{_label(name)}"{final_attrs}>{"".join(options)}\n</select>'
        )


class LongSelect(Select):
    """A select of hundreds of options (the regions of a county): Django's widget renders one
    template per option, about 0.2 ms each, which with ~220 regions was half the CPU of the
    children list page (docs/performance.md)."""


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
