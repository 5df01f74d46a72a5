from html.parser import HTMLParser

import pytest
from django import forms

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
