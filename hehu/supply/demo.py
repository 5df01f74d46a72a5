"""The demo's in-kind supply (DEMO ONLY): the catalogue and stock of county 511502 (翠屏区)
and two distributions, so the county officer's stock page and a child's in-kind record have
something on them.

- four items: wheelchairs, nutrition packs, school-supply kits and winter clothing sets,
  received from a purchase contract and a donation; the winter sets counted one short
  (damp, written off), which leaves them below the warning level;
- a school-supply kit handed to the child whose approved plan promised one (the orphan of
  the demo casework), against that plan item, when the casework demo made it;
- two nutrition packs handed to another child of the director's village.

Everything goes through the supply services as the demo accounts ("county", "director");
nothing is made when the county already has a catalogue (a fresh demo load only). Call it
after the casework demo: `load_supply_demo(as_of=...)`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hehu.accounts.models import User
from hehu.cases.models import PlanItem, ServicePlan
from hehu.registry.models import Child
from hehu.supply.models import SupplyItem
from hehu.supply.promises import fits_plan_item
from hehu.supply.services import distribute, item_create, stock_adjust, stock_receive

COUNTY = "511502"
VILLAGE = "511502001001"  # the demo director's village
PURCHASE = "2026年翠屏区儿童关爱物资采购合同 CP-2026-017（演示）"
DONATION = "宜宾市慈善总会冬季捐赠（演示）"
K = SupplyItem.Kind
# name, kind, unit, unit value (yuan), warning level, code, received, from
CATALOGUE = (
    ("轮椅（儿童型）", K.REHABILITATION_AID, "件", "680.00", 1, "wheelchair", 3, PURCHASE),
    ("婴幼儿营养包", K.NUTRITION, "盒", "35.00", 30, "nutrition-pack", 120, PURCHASE),
    ("学习用品包", K.SCHOOL_SUPPLIES, "套", "85.00", 10, "school-kit", 40, PURCHASE),
    ("冬衣被褥套装", K.DAILY_NECESSITIES, "套", "260.00", 5, "winter-set", 5, DONATION),
)  # fmt: skip


def load_supply_demo(*, as_of: dt.date | None = None) -> dict[str, int]:
    """Make the demo catalogue, stock and distributions; {} when the county has a
    catalogue already or the demo accounts are missing."""
    if SupplyItem.objects.filter(county_code=COUNTY).exists():
        return {}
    users = {u.username: u for u in User.objects.filter(username__in=("county", "director"))}
    if set(users) != {"county", "director"}:
        return {}
    day = min(as_of or timezone.localdate(), timezone.localdate())
    with transaction.atomic():
        items = _catalogue(users["county"], day)
        counts = {"items": len(items), "receipts": len(items), "adjustments": 1}
        counts["distributions"] = _distributions(users["director"], users["county"], items, day)
        return counts


def _catalogue(county: User, day: dt.date) -> dict[str, SupplyItem]:
    items: dict[str, SupplyItem] = {}
    received_on = day - dt.timedelta(days=20)
    for name, kind, unit, value, level, code, quantity, source in CATALOGUE:
        item = item_create(
            actor=county,
            name=name,
            kind=kind,
            unit=unit,
            code=code,
            county_code=COUNTY,
            unit_value=Decimal(value),
            low_stock_level=level,
        )
        stock_receive(
            actor=county, item=item, quantity=quantity, source=source, received_on=received_on
        )
        items[code] = item
    stock_adjust(
        actor=county,
        item=items["winter-set"],
        counted=4,
        reason="仓库受潮，1 套发霉报废（演示）",
        counted_on=day - dt.timedelta(days=7),
    )
    return items


def _distributions(director: User, county: User, items: dict[str, SupplyItem], day: dt.date) -> int:
    made = 0
    kit = items["school-kit"]
    promised = (
        PlanItem.objects.filter(
            kind=PlanItem.Kind.IN_KIND,
            plan__status=ServicePlan.Status.APPROVED,
            plan__case__child__region__code__startswith=COUNTY,
            plan__case__child__status=Child.Status.ACTIVE,
        )
        .select_related("plan__case__child")
        .order_by("id")
    )
    planned = next((p for p in promised if fits_plan_item(kit, p)), None)
    first_child = None
    if planned is not None:
        first_child = planned.plan.case.child
        actor = director if first_child.region_id.startswith(VILLAGE) else county
        distribute(
            actor=actor,
            child=first_child,
            item=kit,
            quantity=1,
            distributed_on=max(day - dt.timedelta(days=3), first_child.birth_date),
            received_by_name=f"{first_child.name}（本人）",
            plan_item_id=planned.pk,
            note="书包、文具和校服，开学前送到（演示）",
        )
        made += 1
    others = Child.objects.filter(
        region_id=VILLAGE, status=Child.Status.ACTIVE, birth_date__lte=day
    ).order_by("-birth_date", "pk")
    if first_child is not None:
        others = others.exclude(pk=first_child.pk)
    other = others.first()
    if other is not None:
        distribute(
            actor=director,
            child=other,
            item=items["nutrition-pack"],
            quantity=2,
            distributed_on=day - dt.timedelta(days=1),
            received_by_name=other.guardian_name or "监护人（演示）",
            note="入户走访时送到（演示）",
        )
        made += 1
    return made
