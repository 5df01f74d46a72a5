"""Synthetic children, households, parents and dated parent conditions, as table rows.

One generator serves the demo (`demo_load`, a few thousand children) and the benchmark
population (`generate_population`, a million children through COPY); it writes the rows
of `hehu.demo.rows`.

The shape follows DOMAIN.md §12 for a rural county of western China: most children live
with their parents; about a third of rural children have a parent working away, one in
seven both (left-behind); a few percent of households receive dibao; orphans (≈500 per
million minors) and de facto unattended children (≈1,300 per million) are rare, as are
disabled (≈0.5%) and seriously ill children. `Oversample` multiplies the rare categories
for a demo in which a county officer should see some of them; it defaults to the
realistic rates.

Every row satisfies the registry's rules: ID numbers carry the county's address code, the
child's birth date and sex and a computed check character; children are under 18 on the
reference date; a condition's end is never before its start; evidence is recorded with
each condition. ID numbers are encrypted and blind-indexed exactly as the registry does.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import accumulate
from typing import Any

from hehu.core.dates import age_on, latest_birth_date_for_age
from hehu.demo import names
from hehu.demo.conditions import DISABILITY_DIGITS, Q_TYPES, Conditions, Weighted, weighted
from hehu.demo.fastcrypto import BatchFernet, BlindIndex
from hehu.demo.rows import (
    CONDITIONS_PER_PARENT,
    MEMBERS_PER_HOUSEHOLD,
    REALISTIC,
    RECEIVING_PER_CHILD,
    Bases,
    Batch,
    Oversample,
    Row,
    Village,
    id_number_for,
)
from hehu.registry.names import name_key, name_pinyin

# Realistic rates per household or child (DOMAIN.md §12); see the module docstring.
RATE_ORPHAN = 0.0005
RATE_DE_FACTO = 0.0013
RATE_DISABLED = 0.005
RATE_SERIOUSLY_ILL = 0.003
RATE_CONCERN = 0.0015

# Regional parameters used for amounts already received (DOMAIN.md §10, Chongqing 2025).
SCATTERED_ORPHAN_STANDARD = Decimal("1651")
INSTITUTIONAL_ORPHAN_STANDARD = Decimal("1851")

CHILD_DISABILITY = weighted((("intellectual", 30), ("physical", 25), ("multiple", 12),
                             ("hearing", 10), ("speech", 8), ("visual", 8),
                             ("mental", 7)))  # fmt: skip
CHILD_ILLNESSES = ("急性白血病", "先天性心脏病", "终末期肾病", "血友病", "重型地中海贫血",
                   "儿童恶性肿瘤", "苯丙酮尿症", "1型糖尿病")  # fmt: skip
CONCERNS = weighted((("neglect", 35), ("left_alone", 20), ("domestic_violence", 15),
                     ("abuse", 12), ("abandonment", 5), ("sexual_abuse", 5), ("begging", 3),
                     ("trafficking", 1), ("other", 4)))  # fmt: skip

ORPHAN, DE_FACTO, REGULAR = "orphan", "de_facto", "regular"


@cache
def _name_keys(name: str) -> tuple[str, str]:
    return name_key(name), name_pinyin(name)


@dataclass
class _Parent:
    role: str
    name: str
    vital_status: str = "alive"
    migrant: bool = False
    conditions: list[Row] = field(default_factory=list)  # CONDITION_FIELDS without id, parent

    @property
    def alive(self) -> bool:
        return self.vital_status == "alive"

    def has(self, *types: str) -> bool:
        return any(c[0] in types for c in self.conditions)


@dataclass
class _Guardian:
    name: str = ""
    relation: str = ""
    able: bool | None = None


class FamilyGenerator:
    """Households with their children, for villages of one or more counties.

    `id_slot`/`id_slots` split the 3-digit ID sequence space between generators working on
    the same county, so ID numbers never collide across chunks.
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        as_of: dt.date,
        villages: Sequence[Village],
        county_names: dict[str, str],
        bases: Bases,
        oversample: Oversample = REALISTIC,
        id_slot: int = 0,
        id_slots: int = 1,
    ) -> None:
        if not villages:
            raise ValueError("no villages to place children in")
        self.rng = rng
        self.as_of = as_of
        self.villages = list(villages)
        self.village_cum = tuple(accumulate(v.weight for v in villages))
        self.rural_villages: dict[str, list[Village]] = {}
        for village in villages:
            if village.rural:
                self.rural_villages.setdefault(village.code[:6], []).append(village)
        self.county_names = county_names
        self.bases = bases
        self.oversample = oversample
        self.id_slot, self.id_slots = id_slot, id_slots
        self.sequence_used: dict[tuple[str, dt.date, bool], tuple[int, int]] = {}
        self.earliest_birth = latest_birth_date_for_age(18, as_of) + dt.timedelta(days=1)
        self.birth_span = (as_of - self.earliest_birth).days
        self.conditions = Conditions(rng, as_of, county_names)
        self.cipher, self.blind_index = BatchFernet(), BlindIndex()
        self.pending: list[tuple[int, str]] = []  # (row in batch.children, ID number)

    # -- small helpers -------------------------------------------------------------------

    def _pick(self, table: Weighted) -> Any:
        return self.conditions.pick(table)

    def _adult_name(self, sur: str, male: bool) -> str:
        return sur + names.given(self.rng, names.ADULT_MAN if male else names.ADULT_WOMAN)

    def _elder_name(self, sur: str, male: bool) -> str:
        return sur + names.given(self.rng, names.ELDER_MAN if male else names.ELDER_WOMAN)

    # -- parent conditions (DOMAIN.md §4 condition Q, §11 shapes) ---------------------------

    def _q_condition(self, parent: _Parent, county: str) -> None:
        kind = self._pick(Q_TYPES)
        if kind == "deported" and parent.role == "father":
            kind = "imprisoned"
        parent.conditions.append(self.conditions.make(kind, county))

    def _regular_condition(self, parent: _Parent, county: str) -> None:
        """At most one condition for a parent of an ordinary family, usually none."""
        u, father = self.rng.random(), parent.role == "father"
        thresholds = (
            ("imprisoned", True, 0.004 if father else 0.0006),
            ("imprisoned", False, 0.003 if father else 0.0003),
            ("severe_disability", True, 0.004 if father else 0.003),
            ("severe_disability", False, 0.004 if father else 0.003),
            ("serious_illness", True, 0.004),
            ("lost_contact", True, 0.002 if father else 0.004),
            ("lost_contact", False, 0.001 if father else 0.002),
            ("compulsory_rehab", True, 0.0015 if father else 0.0003),
        )
        for kind, in_force, p in thresholds:
            if u < p:
                parent.conditions.append(self.conditions.make(kind, county, in_force=in_force))
                return
            u -= p

    # -- families ----------------------------------------------------------------------------

    def _parents(self, situation: str, county: str, rural_hukou: bool) -> tuple[_Parent, ...]:
        rng, r = self.rng, self.rng.random
        father = _Parent("father", self._adult_name(names.surname(rng), True))
        mother = _Parent("mother", self._adult_name(names.surname(rng), False))
        if situation == ORPHAN:
            u = r()
            if u < 0.7:
                father.vital_status = mother.vital_status = "dead"
            elif u < 0.8:
                father.vital_status, mother.vital_status = "dead", "declared_dead"
            elif u < 0.9:
                father.vital_status, mother.vital_status = "dead", "declared_missing"
            else:  # abandoned: birth parents cannot be found
                father.vital_status = mother.vital_status = "unknown"
                father.name = mother.name = ""
        elif situation == DE_FACTO:
            if r() < 0.4:  # rule (A): both parents meet a condition Q
                self._q_condition(father, county)
                self._q_condition(mother, county)
            else:  # rule (B): one dead or declared missing, the other meets Q
                gone, other = (father, mother) if r() < 0.5 else (mother, father)
                gone.vital_status = "dead" if r() < 0.9 else "declared_missing"
                self._q_condition(other, county)
        else:
            if r() < 0.007:
                father.vital_status = "dead"
            if r() < 0.004:
                mother.vital_status = "dead"
            for parent in (father, mother):
                if parent.alive:
                    self._regular_condition(parent, county)
            self._migrants(father, mother, rural_hukou)
        return father, mother

    def _migrants(self, father: _Parent, mother: _Parent, rural_hukou: bool) -> None:
        """Parents working away: most of China's left-behind children are rural (34号)."""
        able = [p for p in (father, mother) if p.alive and not p.conditions]
        if not able:
            return
        u = self.rng.random()
        both, father_only, mother_only = (0.14, 0.22, 0.04) if rural_hukou else (0.02, 0.05, 0.01)
        if u < both:
            for parent in able:
                parent.migrant = True
        elif u < both + father_only and father in able:
            father.migrant = True
        elif u < both + father_only + mother_only and mother in able:
            mother.migrant = True

    def _living(
        self,
        situation: str,
        father: _Parent,
        mother: _Parent,
        *,
        youngest_age: int,
        divorced: bool,
    ) -> tuple[str, _Parent | None]:
        """The living arrangement, and the parent the children live with (if any)."""
        r = self.rng.random
        if situation == ORPHAN:
            u = r()
            return (
                "with_relatives" if u < 0.75 else "institution" if u < 0.9 else "foster_family"
            ), None
        home = [
            p
            for p in (father, mother)
            if p.alive
            and not p.migrant
            and not p.has(
                "imprisoned",
                "compulsory_rehab",
                "other_restriction",
                "lost_contact",
                "guardianship_revoked",
                "deported",
            )
        ]
        if situation == DE_FACTO:
            u = r()
            if home and u < 0.1:
                return "with_one_parent", home[0]
            if youngest_age >= 10 and u < 0.15:
                return "alone", None
            return (
                "with_relatives" if u < 0.9 else "foster_family" if u < 0.95 else "institution"
            ), None
        if divorced and home:
            keep = home[0] if len(home) == 1 or r() < 0.55 else home[1]
            return "with_one_parent", keep
        if len(home) == 2:
            return "with_parents", None
        if len(home) == 1:
            return "with_one_parent", home[0]
        if youngest_age >= 12 and r() < 0.05:
            return "alone", None
        return "with_relatives", None

    def _guardian(
        self,
        arrangement: str,
        keeper: _Parent | None,
        father: _Parent,
        mother: _Parent,
        county: str,
        hardship: bool,
    ) -> tuple[_Guardian, list[tuple[str, str, dt.date]]]:
        """The guardian, and relatives living in the household (name, relation, born)."""
        rng = self.rng
        if arrangement == "with_parents":
            return _Guardian(father.name if rng.random() < 0.6 else mother.name, "parent"), []
        if arrangement == "with_one_parent" and keeper is not None:
            able = not keeper.has("severe_disability", "serious_illness")
            return _Guardian(keeper.name, "parent", able), []
        if arrangement == "with_relatives":
            sur = father.name[:1] or names.surname(rng)
            grandfather = self._elder_name(sur, True)
            grandmother = self._elder_name(names.surname(rng), False)
            born = self.conditions.days_ago(55 * 365, 80 * 365)
            members = [(grandmother, "祖母", born)]
            if rng.random() < 0.7:
                members.append(
                    (grandfather, "祖父", born - dt.timedelta(days=rng.randint(0, 1500)))
                )
            able = rng.random() < (0.65 if hardship else 0.88)
            if rng.random() < 0.85:
                return _Guardian(members[-1][0], "grandparent", able), members
            uncle = self._adult_name(sur, True)
            return _Guardian(uncle, "other_relative", able), [*members, (uncle, "伯父", born)]
        if arrangement == "foster_family":
            return _Guardian(self._adult_name(names.surname(rng), False), "other_person", True), []
        if arrangement == "institution":
            return _Guardian(
                f"{self.county_names.get(county, '')}民政局", "civil_affairs", True
            ), []
        return _Guardian(), []  # alone: nobody is caring for the child

    def _birth_dates(self, count: int) -> list[dt.date]:
        rng = self.rng
        first = self.earliest_birth + dt.timedelta(days=rng.randint(0, self.birth_span))
        dates = [first]
        while len(dates) < count:
            following = dates[-1] + dt.timedelta(days=rng.randint(420, 2400))
            if following > self.as_of:
                break
            dates.append(following)
        return dates

    def _children_count(self, rural: bool) -> int:
        u = self.rng.random()
        if rural:
            return 1 if u < 0.5 else 2 if u < 0.88 else 3
        return 1 if u < 0.65 else 2 if u < 0.97 else 3

    def _sequence(self, county: str, birth: dt.date, male: bool) -> int | None:
        """The next free 3-digit sequence of this generator's slot (odd male, even female)."""
        key = (county, birth, male)
        available = (498 - self.id_slot) // self.id_slots + 1
        start, used = self.sequence_used.get(key) or (self.rng.randrange(available), 0)
        if used >= available:
            return None
        self.sequence_used[key] = (start, used + 1)
        half = self.id_slot + self.id_slots * ((start + used) % available)
        return 2 * half + (1 if male else 2)

    def _education(self, age: int, severe_disability: bool) -> str:
        r = self.rng.random
        if age < 3:
            return "none"
        if severe_disability and r() < 0.3:
            return "none"
        if age < 6:
            return "preschool" if r() < 0.9 else "none"
        if age < 12:
            return "primary"
        if age < 15:
            return "junior_secondary" if r() < 0.98 else "none"
        u = r()
        return "senior_secondary" if u < 0.55 else "secondary_vocational" if u < 0.9 else "none"

    def household(self, batch: Batch, g: int, quota: int) -> int:
        """Add one household with up to `quota` children, the first with global index g."""
        rng, r, bases = self.rng, self.rng.random, self.bases
        village = self.villages[
            self.rng.choices(range(len(self.villages)), cum_weights=self.village_cum)[0]
        ]
        county = village.code[:6]
        hukou_code, rural_hukou = village.code, village.rural
        if not village.rural and r() < 0.15 and self.rural_villages.get(county):
            # Rural-hukou families living in town: household registration stays in the village.
            hukou_code, rural_hukou = rng.choice(self.rural_villages[county]).code, True
        u = r()
        p_orphan = RATE_ORPHAN * self.oversample.orphan
        p_de_facto = RATE_DE_FACTO * self.oversample.de_facto
        situation = ORPHAN if u < p_orphan else DE_FACTO if u < p_orphan + p_de_facto else REGULAR
        births = self._birth_dates(min(quota, self._children_count(rural_hukou)))
        ages = [age_on(b, self.as_of) for b in births]
        father, mother = self._parents(situation, county, rural_hukou)
        divorced = situation == REGULAR and r() < 0.08
        arrangement, keeper = self._living(
            situation, father, mother, youngest_age=min(ages), divorced=divorced
        )
        hardship = (
            situation != REGULAR
            or not (father.alive and mother.alive)
            or bool(father.conditions or mother.conditions)
        )
        guardian, relatives = self._guardian(arrangement, keeper, father, mother, county, hardship)

        household_id = bases.household + g
        p_dibao = (
            0.45
            if situation != REGULAR
            else (0.05 if rural_hukou else 0.02) * (5 if hardship else 2 if divorced else 1)
        )
        dibao = r() < p_dibao
        tekun = situation != REGULAR and r() < 0.08
        low_income = not dibao and r() < (0.12 if hardship else 0.04)
        dibao_amount = Decimal(rng.randrange(200, 510, 10)) if dibao else None
        if dibao:
            income = Decimal(rng.randrange(150, 500, 10))
        elif low_income:
            income = Decimal(rng.randrange(500, 900, 10))
        else:
            income = Decimal(rng.randrange(700 if rural_hukou else 1500, 4500, 50))
        address = f"{village.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
        batch.households.append(
            (household_id, village.code, address, dibao, tekun, low_income, dibao_amount, income)
        )
        for j, (name, relation, born) in enumerate(relatives[:MEMBERS_PER_HOUSEHOLD]):
            batch.members.append(
                (
                    bases.member + MEMBERS_PER_HOUSEHOLD * g + j,
                    household_id,
                    name,
                    relation,
                    born,
                    "",
                )
            )

        family_surname = father.name[:1] if father.name else names.surname(rng)
        for k, (birth, age) in enumerate(zip(births, ages, strict=True)):
            self._child(
                batch,
                g + k,
                birth=birth,
                age=age,
                village=village,
                hukou_code=hukou_code,
                rural_hukou=rural_hukou,
                situation=situation,
                arrangement=arrangement,
                guardian=guardian,
                household_id=household_id,
                dibao_amount=dibao_amount,
                surname=family_surname if r() < 0.92 else (mother.name[:1] or family_surname),
                parents=(father, mother),
            )
        return len(births)

    def _child(
        self,
        batch: Batch,
        g: int,
        *,
        birth: dt.date,
        age: int,
        village: Village,
        hukou_code: str,
        rural_hukou: bool,
        situation: str,
        arrangement: str,
        guardian: _Guardian,
        household_id: int,
        dibao_amount: Decimal | None,
        surname: str,
        parents: tuple[_Parent, _Parent],
    ) -> None:
        rng, r, bases = self.rng, self.rng.random, self.bases
        male = r() < 0.53
        name = surname + names.given(rng, names.CHILD_BOY if male else names.CHILD_GIRL)
        key, pinyin = _name_keys(name)
        county = hukou_code[:6]

        disability_category, disability_grade, certificate = "", None, ""
        if r() < RATE_DISABLED * self.oversample.disabled:
            disability_category = self._pick(CHILD_DISABILITY)
            disability_grade = rng.choices((1, 2, 3, 4), cum_weights=(20, 50, 75, 100))[0]
            certificate = (
                f"{county}{self.conditions.serial():08d}"
                f"{DISABILITY_DIGITS[disability_category]}{disability_grade}"
            )
        ill = r() < RATE_SERIOUSLY_ILL
        abandoned = situation == ORPHAN and parents[0].vital_status == "unknown"

        has_id = r() < (0.3 if abandoned else 0.6 if age == 0 else 0.985) or bool(certificate)
        sequence = self._sequence(county, birth, male) if has_id else None
        if sequence is not None:
            number = id_number_for(county, birth, sequence)
            # Encrypted and indexed for the whole batch at the end of `generate`.
            self.pending.append((len(batch.children), number))
            identity: Row = ("", None, number[-4:], "")
        else:
            batch.without_id += 1
            if abandoned:
                reason = "abandoned"
            elif age == 0:
                reason = "not_yet_issued"
            else:
                reason = "undocumented" if r() < 0.5 else "unknown"
            identity = ("", None, "", reason)

        at_risk = situation != REGULAR or arrangement == "alone"
        concern = r() < RATE_CONCERN * (4 if at_risk else 1)
        if concern or arrangement == "alone":
            grade = "absent" if arrangement == "alone" else rng.choice(("improper", "insufficient"))
        elif situation != REGULAR:
            grade = rng.choices(("normal", "insufficient", "improper"), cum_weights=(55, 90, 100))[
                0
            ]
        else:
            grade = "normal" if r() < 0.02 else ""

        child_id = bases.child + g
        batch.children.append(
            (
                child_id,
                *identity,
                name,
                key,
                pinyin,
                "male" if male else "female",
                birth,
                village.code,
                hukou_code,
                "rural" if rural_hukou else "urban",
                self._education(age, disability_grade in (1, 2)),
                arrangement,
                disability_category,
                disability_grade,
                certificate,
                ill,
                rng.choice(CHILD_ILLNESSES) if ill else "",
                household_id,
                guardian.name,
                guardian.relation,
                guardian.able,
                "",
                grade,
                "active",
            )
        )
        for role_index, parent in enumerate(parents):
            parent_id = bases.parent + 2 * g + role_index
            batch.parents.append(
                (
                    parent_id,
                    child_id,
                    parent.role,
                    parent.name,
                    parent.vital_status,
                    parent.migrant,
                    "",
                )
            )
            for j, condition in enumerate(parent.conditions[:CONDITIONS_PER_PARENT]):
                batch.conditions.append(
                    (
                        bases.condition + 4 * g + CONDITIONS_PER_PARENT * role_index + j,
                        parent_id,
                        *condition,
                    )
                )
        if concern:
            kind = self._pick(CONCERNS)
            if arrangement == "alone":
                kind = "left_alone"
            since = max(birth, self.conditions.days_ago(1, 900))
            batch.concerns.append((bases.concern + g, child_id, kind, r() < 0.6, since))
        receiving: list[tuple[str, Decimal]] = []
        if dibao_amount is not None:
            receiving.append(("dibao_child", dibao_amount))
        if situation == ORPHAN and r() < 0.85:
            institutional = arrangement == "institution"
            receiving.append(
                (
                    "orphan",
                    INSTITUTIONAL_ORPHAN_STANDARD if institutional else SCATTERED_ORPHAN_STANDARD,
                )
            )
        elif situation == DE_FACTO and r() < 0.75:
            receiving.append(("de_facto_unattended", SCATTERED_ORPHAN_STANDARD))
        for j, (programme, amount) in enumerate(receiving[:RECEIVING_PER_CHILD]):
            batch.receiving.append(
                (bases.receiving + RECEIVING_PER_CHILD * g + j, child_id, programme, amount)
            )

    def generate(self, *, first: int, count: int) -> Batch:
        """Households until `count` children exist, their global indexes from `first`."""
        batch = Batch()
        g, end = first, first + count
        while g < end:
            g += self.household(batch, g, end - g)
        tokens = self.cipher.encrypt_many([number for _, number in self.pending])
        for (i, number), token in zip(self.pending, tokens, strict=True):
            row = batch.children[i]
            batch.children[i] = (row[0], token, self.blind_index(number), *row[3:])
        self.pending.clear()
        return batch
