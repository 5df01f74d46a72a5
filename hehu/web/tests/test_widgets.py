from html.parser import HTMLParser

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from hehu.web.forms import widgets as w
from hehu.web.forms.search import ChildSearchForm
from hehu.web.forms.widgets import LongSelect


class _Events(HTMLParser):
    def __init__(self):
        super().__init__()
        self.events = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, sorted(attrs, key=lambda kv: kv[0])))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if data.strip():
            self.events.append(("data", data.strip()))


def _parse(html):
    parser = _Events()
    parser.feed(str(html))
    return parser.events


CHOICES = [("", "全部"), ("511502", "翠屏区 <演示>"), ("511502001", "街道 & 社区")]


@pytest.mark.parametrize("value", [None, "", "511502", "511502001", "unknown"])
def test_it_renders_the_same_markup_as_djangos_select(value):
    attrs = {"id": "id_region", "class": "form-select", "aria-describedby": "hint"}
    ours = LongSelect(choices=CHOICES).render("region", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("region", value, attrs=attrs)
    assert _parse(ours) == _parse(django)


def test_it_escapes_labels_and_values():
    html = LongSelect(choices=[('"><script>', "<b>x</b>")]).render("r", None)
    assert "<script>" not in html
    assert "<b>" not in html


def test_it_leaves_grouped_choices_to_django():
    grouped = [("县", [("511502", "翠屏区")])]
    ours = LongSelect(choices=grouped).render("region", "511502")
    assert _parse(ours) == _parse(forms.Select(choices=grouped).render("region", "511502"))


# The Python-rendered text input and select produce the same bytes as Django's templates.

SAFE = mark_safe("<b>sûr</b>")
SELECT_CHOICES = [
    ("", "不限"),
    ("alone", "独居 <与> \"引号\" & 'x'"),
    (None, gettext_lazy("姓名")),
    (3, 1234567),
    ("safe", SAFE),
    ('"><script>', "x"),
]
ATTR_CASES = [
    None,
    {"id": "id_x", "aria-describedby": "id_x_helptext id_x_error"},
    {"required": True, "disabled": False, "data-n": 0, "data-none": None, "maxlength": 50},
    {"title": '"><script>', "data-safe": SAFE, "placeholder": gettext_lazy("姓名")},
]


@pytest.mark.parametrize("attrs", ATTR_CASES)
@pytest.mark.parametrize(
    "value", [None, "", "alone", 3, "3", "unknown", ["alone", "3"], SAFE, '"><x>']
)
def test_select_is_byte_identical_to_djangos(attrs, value):
    ours = w.Select(attrs={"class": "form-select"}, choices=SELECT_CHOICES)
    django = forms.Select(attrs={"class": "form-select"}, choices=SELECT_CHOICES)
    assert ours.render("x", value, attrs=attrs) == django.render("x", value, attrs=attrs)


@pytest.mark.parametrize("attrs", ATTR_CASES)
@pytest.mark.parametrize("value", [None, "", "李 <明> & \"'", 12, SAFE, 0])
@pytest.mark.parametrize("kind", [{}, {"type": "search", "autocomplete": "off"}])
def test_text_input_is_byte_identical_to_djangos(attrs, value, kind):
    base = {"class": "form-control", **kind}
    ours = w.TextInput(attrs=base).render("q", value, attrs=attrs)
    assert ours == forms.TextInput(attrs=base).render("q", value, attrs=attrs)


def test_grouped_and_multiple_selects_fall_back_to_django():
    grouped = [("县", [("511502", "翠屏区")]), ("", "全部")]
    assert w.Select(choices=grouped).render("r", "511502") == forms.Select(choices=grouped).render(
        "r", "511502"
    )
    multiple = type("M", (w.Select,), {"allow_multiple_selected": True})(choices=CHOICES)
    assert multiple.render("r", ["511502"]) == forms.SelectMultiple(choices=CHOICES).render(
        "r", ["511502"]
    )


class _Both(forms.Form):
    name = forms.CharField(max_length=20, help_text="提示", widget=w.text())
    kind = forms.ChoiceField(choices=[("", "—"), ("a", "甲")], widget=w.select())
    same_name = forms.CharField(
        max_length=20, help_text="提示", widget=forms.TextInput(attrs={"class": "form-control"})
    )
    same_kind = forms.ChoiceField(
        choices=[("", "—"), ("a", "甲")], widget=forms.Select(attrs={"class": "form-select"})
    )


@pytest.mark.parametrize("data", [None, {}, {"name": "<x>", "kind": "a"}, {"kind": "zz"}])
def test_bound_fields_render_as_with_djangos_widgets(data):
    """Through a form: required, maxlength, aria-describedby, aria-invalid, ids."""
    if data is not None:
        data = {**data, **{f"same_{k}": v for k, v in data.items()}}
    form = _Both(data)
    if data is not None:
        form.is_valid()
    for field in ("name", "kind"):
        ours = str(form[field]).replace(f"id_{field}", "ID").replace(f'"{field}"', '"N"')
        theirs = str(form[f"same_{field}"]).replace(f"id_same_{field}", "ID")
        assert ours == theirs.replace(f'"same_{field}"', '"N"')


def test_search_form_uses_the_python_widgets():
    form = ChildSearchForm(prefixes=[])
    assert all(
        type(field.widget) in (w.TextInput, w.Select, w.LongSelect)
        for field in form.fields.values()
    )
