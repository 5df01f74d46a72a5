"""The administrator's form for loading a township/village table."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hehu.regions.services import MAX_YEAR, MIN_YEAR


def _last_year() -> int:
    # The NBS publishes a year's table during the following year.
    return timezone.localdate().year - 1


class RegionImportForm(forms.Form):
    file = forms.FileField(
        label=_("区划表文件（CSV）"),
        help_text=_(
            "列：code（12位区划代码）、name（名称）、level（层级）或 parent_code（上级代码）、"
            "urban_rural（城乡分类代码，村级必填）。支持 UTF-8 和 GBK 编码。"
        ),
    )
    source_year = forms.IntegerField(
        label=_("数据年份"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        initial=_last_year,
        help_text=_("区划表对应的统计年份，例如 2023。"),
    )
