"""Name keys for finding likely duplicates written in different ways.

The same child may be typed as 張偉 or 张伟, 李峯 or 李峰, "阿依古丽·买买提" or
"阿依古丽 买买提", or — by a director who heard the name — 张丽 for 张莉. Two keys are kept
on each file: `name_key` (the name folded to one written form) matches the first kinds
exactly; `name_pinyin` (toneless pinyin of that key) also matches homophones. Neither is
ever shown: a match is a *likely* duplicate for a person to look at, never a decision.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc
from pypinyin import Style, lazy_pinyin

# Variant characters (异体字) common in given names that traditional→simplified conversion
# leaves alone (or that we want to fold regardless of the converter's version). Each maps
# to the standard form in the 通用规范汉字表 (2013). Keep this short: every entry folds two
# names into one key, and a false match only costs a person a second look.
VARIANTS = {
    "峯": "峰",  # 李峯 / 李峰
    "堃": "坤",  # 王堃 / 王坤
    "喆": "哲",  # 陈喆 / 陈哲
    "祐": "佑",  # 张祐 / 张佑
    "珮": "佩",  # 林珮 / 林佩
    "姸": "妍",  # 姸 (old form) / 妍
    "秊": "年",
    "冨": "富",
    "甦": "苏",
    "羣": "群",
}

# Spaces and the separators written between parts of Uyghur, Tibetan and foreign names.
_SEPARATORS = re.compile(r"[\s·•‧・．.\-_'’]+")


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def name_key(name: str) -> str:
    """The name folded to one written form: simplified, standard characters, no separators."""
    text = unicodedata.normalize("NFKC", name)
    text = _SEPARATORS.sub("", text)
    text = _converter().convert(text)
    return "".join(VARIANTS.get(ch, ch) for ch in text).lower()


def name_pinyin(name: str) -> str:
    """Toneless pinyin of the folded name, without separators: 张莉 → 'zhangli'."""
    syllables = lazy_pinyin(name_key(name), style=Style.NORMAL, errors="default")
    return "".join(syllables).lower()
