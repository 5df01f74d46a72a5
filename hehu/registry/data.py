"""Plain input shapes for registering or updating a child's file.

Forms (web), serializers (API) and the facts importer all parse their input into these
dataclasses and hand them to `hehu.registry.services`; the services validate the domain
rules (ID number, dates, regions, duplicates) in one place. Field names and vocabularies
are those of the models and of the facts document (DOMAIN.md §11).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class ConditionData:
    type: str
    since: dt.date | None = None
    until: dt.date | None = None
    term_months: int | None = None
    disability_category: str = ""
    disability_grade: int | None = None
    illness_name: str = ""
    police_accepted_on: dt.date | None = None
    police_receipt: bool = False
    on: dt.date | None = None
    supports_child: bool | None = None
    evidence_kind: str = ""
    evidence_reference: str = ""


@dataclass
class ParentData:
    role: str  # "father" | "mother"
    name: str = ""
    vital_status: str = "alive"
    migrant_worker: bool = False
    phone: str = ""
    conditions: list[ConditionData] = field(default_factory=list)


@dataclass
class MemberData:
    name: str
    relation: str
    birth_date: dt.date | None = None
    notes: str = ""


@dataclass
class HouseholdData:
    address: str = ""
    dibao: bool = False
    tekun: bool = False
    low_income: bool = False
    dibao_child_amount: Decimal | None = None
    income_per_capita: Decimal | None = None
    members: list[MemberData] = field(default_factory=list)


@dataclass
class ConcernData:
    type: str
    substantiated: bool = False
    since: dt.date | None = None


@dataclass
class ReceivingData:
    programme: str
    monthly_amount: Decimal


@dataclass
class ChildData:
    name: str
    sex: str
    birth_date: dt.date
    region_code: str
    hukou_region_code: str
    hukou_type: str
    living_arrangement: str
    education: str = "none"
    # The resident ID number in clear, as typed; None means "none" (then no_id_reason is
    # required). On update, the services keep the stored number when id_number is None and
    # keep_id_number is True.
    id_number: str | None = None
    keep_id_number: bool = False
    no_id_reason: str = ""
    disability_category: str = ""
    disability_grade: int | None = None
    disability_certificate: str = ""
    serious_illness: bool = False
    serious_illness_name: str = ""
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_able_to_care: bool | None = None
    guardian_phone: str = ""
    guardianship_grade: str = ""
    external_id: str = ""
    household: HouseholdData | None = None
    parents: list[ParentData] = field(default_factory=list)
    concerns: list[ConcernData] = field(default_factory=list)
    receiving: list[ReceivingData] = field(default_factory=list)
