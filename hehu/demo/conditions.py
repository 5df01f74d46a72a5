"""Dated parent conditions with their evidence (DOMAIN.md §4 condition Q, §11 shapes).

Each condition is dated relative to the reference date: "in force" ones qualify on it (a
prison term of six months or more not yet served, contact lost more than six months after
the police accepted the report, a severe disability), the others do not (a term already
served, a report too recent, a grade 3–4 physical disability), so the policy engine has
both sides of every rule to decide. Evidence references look like the real documents
(court case numbers, police receipts, certificates) but are synthetic.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from hehu.demo.rows import CONDITION_FIELDS, Row

PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉",
    "23": "黑", "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣",
    "37": "鲁", "41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼",
    "50": "渝", "51": "川", "52": "黔", "53": "滇", "54": "藏", "61": "陕", "62": "甘",
    "63": "青", "64": "宁", "65": "新",
}  # fmt: skip
# The category digit of a disability certificate number (第二代残疾人证).
DISABILITY_DIGITS = {"visual": 1, "hearing": 2, "speech": 3, "physical": 4, "intellectual": 5,
                     "mental": 6, "multiple": 7}  # fmt: skip
ADULT_ILLNESSES = ("尿毒症", "恶性肿瘤", "白血病", "肝硬化失代偿期", "慢性心力衰竭",
                   "系统性红斑狼疮", "重症肌无力", "耐多药肺结核")  # fmt: skip
Weighted = tuple[tuple[Any, ...], tuple[int, ...]]


def weighted(pairs: Sequence[tuple[Any, int]]) -> Weighted:
    """(values, cumulative weights) for random.choices."""
    return tuple(v for v, _ in pairs), tuple(accumulate(w for _, w in pairs))


ADULT_DISABILITY = weighted((("physical", 45), ("visual", 12), ("hearing", 12), ("speech", 3),
                             ("intellectual", 8), ("mental", 15), ("multiple", 5)))  # fmt: skip
# Condition Q of a de facto unattended child's parent, weighted.
Q_TYPES = weighted((("imprisoned", 30), ("severe_disability", 25), ("lost_contact", 22),
                    ("serious_illness", 10), ("compulsory_rehab", 6), ("other_restriction", 3),
                    ("guardianship_revoked", 2), ("deported", 2)))  # fmt: skip
PRISON_TERMS = weighted(((6, 6), (8, 5), (10, 6), (12, 14), (18, 10), (24, 14), (36, 15),
                         (48, 8), (60, 8), (84, 6), (120, 5), (180, 3)))  # fmt: skip

_EMPTY: dict[str, Any] = {
    "since": None, "until": None, "term_months": None, "disability_category": "",
    "disability_grade": None, "illness_name": "", "police_accepted_on": None,
    "police_receipt": False, "on": None, "supports_child": None, "evidence_kind": "",
    "evidence_reference": "",
}  # fmt: skip


def condition_row(kind: str, **values: Any) -> Row:
    """A condition as CONDITION_FIELDS[2:] (without its id and parent)."""
    data = {**_EMPTY, **values}
    return (kind, *(data[name] for name in CONDITION_FIELDS[3:]))


def add_months(start: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later, or that month's last day (Civil Code art. 202)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class Conditions:
    """Makes conditions for parents of one generator (shares its random stream)."""

    def __init__(self, rng: random.Random, as_of: dt.date, county_names: dict[str, str]):
        self.rng, self.as_of, self.county_names = rng, as_of, county_names
        self._serial = 0

    def pick(self, table: Weighted) -> Any:
        values, cum = table
        return self.rng.choices(values, cum_weights=cum)[0]

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def serial(self) -> int:
        """A document number: varied, never zero."""
        self._serial += 1
        return 1 + (self._serial * 7919 + self.rng.randint(0, 96)) % 4999

    def make(self, kind: str, county: str, *, in_force: bool = True) -> Row:
        abbr, cc = PROVINCE_ABBREVIATIONS.get(county[:2], "川"), county[2:6]
        if kind in ("imprisoned", "compulsory_rehab", "other_restriction"):
            return self._restriction(kind, abbr, cc, in_force=in_force)
        if kind == "lost_contact":
            # Qualifies from the day after six months from police acceptance (DOMAIN.md §1).
            accepted = self.days_ago(200, 2500) if in_force else self.days_ago(5, 170)
            return condition_row(
                kind, since=accepted, police_accepted_on=accepted, police_receipt=True,
                evidence_kind="police_receipt",
                evidence_reference=f"{abbr}公（{cc}）受案字〔{accepted.year}〕{self.serial()}号",
            )  # fmt: skip
        if kind == "severe_disability":
            return self._disability(kind, county, in_force=in_force)
        if kind == "serious_illness":
            since = self.days_ago(60, 3000)
            hospital = f"{self.county_names.get(county, '')}人民医院"
            return condition_row(
                kind, since=since, illness_name=self.rng.choice(ADULT_ILLNESSES),
                evidence_kind="medical_record",
                evidence_reference=f"{hospital}诊断证明（{since.year}）{self.serial()}号",
            )  # fmt: skip
        if kind == "guardianship_revoked":
            on = self.days_ago(100, 2000)
            return condition_row(
                kind, on=on, evidence_kind="judgment",
                evidence_reference=f"（{on.year}）{abbr}{cc}民特{self.serial()}号",
            )  # fmt: skip
        if kind == "deported":
            on = self.days_ago(100, 2500)
            return condition_row(
                kind, on=on, supports_child=False, evidence_kind="certificate",
                evidence_reference=f"遣送出境决定书〔{on.year}〕{self.serial()}号",
            )  # fmt: skip
        raise ValueError(kind)

    def _restriction(self, kind: str, abbr: str, cc: str, *, in_force: bool) -> Row:
        """Prison, compulsory drug rehabilitation (two years) or other detention."""
        if kind == "imprisoned":
            term = self.pick(PRISON_TERMS)
        else:
            term = 24 if kind == "compulsory_rehab" else self.rng.choice((6, 8, 10, 12))
        if in_force:  # started, and the term has not ended by as_of
            since = self.days_ago(1, term * 28 - 1)
        else:  # served and released
            since = self.days_ago(term * 31 + 30, term * 31 + 2000)
        if kind == "imprisoned":
            evidence, ref = "judgment", f"（{since.year}）{abbr}{cc}刑初{self.serial()}号"
        elif kind == "compulsory_rehab":
            evidence = "certificate"
            ref = f"{abbr}{cc}公（禁）决字〔{since.year}〕{self.serial()}号"
        else:
            evidence, ref = "certificate", f"{abbr}{cc}检捕〔{since.year}〕{self.serial()}号"
        return condition_row(
            kind, since=since, until=add_months(since, term), term_months=term,
            evidence_kind=evidence, evidence_reference=ref,
        )  # fmt: skip

    def _disability(self, kind: str, county: str, *, in_force: bool) -> Row:
        rng = self.rng
        if in_force:  # grade 1–2 of any category, or any grade mental/intellectual
            category = self.pick(ADULT_DISABILITY)
            grades = (1, 2, 3, 4) if category in ("mental", "intellectual") else (1, 2)
            grade = rng.choice(grades)
        else:  # a certificate that does not meet Q: grade 3–4, not mental/intellectual
            category = rng.choice(("physical", "visual", "hearing", "speech"))
            grade = rng.choice((3, 4))
        # Synthetic certificate numbers: real ones embed the holder's ID number.
        number = f"{county}{self.serial():08d}{DISABILITY_DIGITS[category]}{grade}"
        return condition_row(
            kind, since=self.days_ago(200, 6000), disability_category=category,
            disability_grade=grade, evidence_kind="disability_certificate",
            evidence_reference=number,
        )  # fmt: skip
