"""The filters of the children list: region subtree, name or ID number, age band, living
arrangement and disability. Every filter narrows `children_search`, which never reaches
outside the user's jurisdiction."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hehu.regions.codes import PREFIX_LENGTHS, prefix_of
from hehu.regions.models import Region
from hehu.registry.models import DisabilityCategory, LivingArrangement
from hehu.web.forms import widgets as w

# Age bands as (label, min, max) in full years: infants, preschool, primary, lower and upper
# secondary age — the ages at which support and schooling change.
AGE_BANDS: dict[str, tuple[Any, int, int]] = {
    "0-2": (_("0–2岁"), 0, 2),
    "3-5": (_("3–5岁"), 3, 5),
    "6-11": (_("6–11岁"), 6, 11),
    "12-15": (_("12–15岁"), 12, 15),
    "16-17": (_("16–17岁"), 16, 17),
}

# How far below the user's own level the region list goes (a county officer sees its
# townships and villages; a province analyst would see cities and counties).
REGION_DEPTH = 2
REGION_OPTIONS_MAX = 600
_DIGITS = re.compile(r"^\d+$")
_LEVEL_ORDER = ["province", "city", "county", "township", "village"]


def region_choices(prefixes: list[str]) -> list[tuple[str, str]]:
    """Regions in the user's jurisdiction, by code, indented by level, value = prefix."""
    if not prefixes:
        return []
    top_level = min(_level_index(p) for p in prefixes)
    levels = _LEVEL_ORDER[max(top_level, 0) : top_level + REGION_DEPTH + 1]
    scope = Q()
    for prefix in prefixes:
        scope |= Q(code__startswith=prefix)
    rows = (
        Region.objects.filter(scope, level__in=levels, active=True)
        .order_by("code")
        .values_list("code", "name", "level")[:REGION_OPTIONS_MAX]
    )
    choices = []
    for code, name, level in rows:
        depth = _LEVEL_ORDER.index(level) - max(top_level, 0)
        choices.append((prefix_of(code), f"{'— ' * depth}{name}"))
    return choices


def _level_index(prefix: str) -> int:
    """-1 for the national level (empty prefix), 0 for a province … 4 for a village."""
    for index, level in enumerate(_LEVEL_ORDER):
        if len(prefix) == PREFIX_LENGTHS[level]:
            return index
    return -1


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label=_("姓名或身份证号码"),
        required=False,
        max_length=50,
        help_text=_("输入完整的18位身份证号码按号码查找；否则按姓名查找"),
        widget=w.text(type="search", autocomplete="off"),
    )
    region = forms.ChoiceField(label=_("区域"), required=False, widget=w.long_select())
    region_code = forms.CharField(
        label=_("或输入区划代码"),
        required=False,
        max_length=12,
        help_text=_("2、4、6、9或12位数字"),
        widget=w.text(inputmode="numeric", autocomplete="off"),
    )
    age = forms.ChoiceField(
        label=_("年龄段"),
        required=False,
        choices=w.blank(_("不限")) + [(k, v[0]) for k, v in AGE_BANDS.items()],
        widget=w.select(),
    )
    living_arrangement = forms.ChoiceField(
        label=_("居住情况"),
        required=False,
        choices=w.blank(_("不限")) + list(LivingArrangement.choices),
        widget=w.select(),
    )
    disability = forms.ChoiceField(
        label=_("残疾"),
        required=False,
        choices=w.blank(_("不限"))
        + [("any", _("有残疾（任何类别）"))]
        + list(DisabilityCategory.choices),
        widget=w.select(),
    )

    def __init__(self, *args: Any, prefixes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)  # noqa: S101 - declared above
        region_field.choices = w.blank(_("全部（本人管辖范围）")) + region_choices(prefixes)

    def clean_region_code(self) -> str:
        code: str = self.cleaned_data["region_code"].strip()
        if code and (not _DIGITS.match(code) or len(code) not in PREFIX_LENGTHS.values()):
            raise forms.ValidationError(_("区划代码应为2、4、6、9或12位数字"))
        if len(code) == 12:
            # A full code of a county ("511502000000") means its whole subtree.
            code = prefix_of(code)
        return code

    def region_prefix(self) -> str:
        data = self.cleaned_data
        return str(data.get("region_code") or data.get("region") or "")

    def age_range(self) -> tuple[int | None, int | None]:
        band = AGE_BANDS.get(self.cleaned_data.get("age") or "")
        if band is None:
            return None, None
        return band[1], band[2]

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of `children_search` (call after is_valid())."""
        age_min, age_max = self.age_range()
        return {
            "q": self.cleaned_data["q"],
            "region_prefix": self.region_prefix(),
            "age_min": age_min,
            "age_max": age_max,
            "living_arrangement": self.cleaned_data["living_arrangement"],
            "disability": self.cleaned_data["disability"],
        }
