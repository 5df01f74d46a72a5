"""The demo's protection work (DEMO ONLY): compulsory reports in the demo county, in the
states a police officer and a county officer meet every day.

- a teacher's report about a girl nobody has identified yet, routed and waiting for the
  police to accept it (feedback due 72 hours after it was filed);
- a hospital's report about a registered child of the demo village, accepted by the
  police, its harm substantiated (the child is in `guardianship_risk`);
- an anonymous report from the public about a child begging, routed to police and civil
  affairs only;
- the county's placement register (a rescue-protection centre, a welfare institution, a
  foster family); the hospital's child removed by the police and placed by civil affairs
  in the centre (a case opens; the follow-up visit is due);
- an urgent application for a personal safety protection order for that child, on the
  court's work list with its 24-hour deadline.

Everything goes through the protection services, as the demo accounts; routing runs as it
does after a real filing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from hehu.accounts.models import User
from hehu.protection.models import CareFacility, InterventionStep, Placement, Report, Situation
from hehu.protection.models.placement import Ground, RemovingBody
from hehu.protection.services.facilities import facility_create
from hehu.protection.services.intervention_rules import StepInput
from hehu.protection.services.interventions import intervention_record
from hehu.protection.services.placements import PlacementInput, placement_start, removal_record
from hehu.protection.services.report_actions import (
    report_accept,
    report_child_link,
    report_finding_record,
)
from hehu.protection.services.reports import ReportData, report_file, report_route
from hehu.registry.models import Child

VILLAGE = "511502001001"


def demo_protection_create(*, as_of: dt.date) -> dict[str, int]:
    """Make the demo reports; nothing when any report exists (a fresh demo load only)."""
    if Report.objects.exists():
        return {}
    users = {u.username: u for u in User.objects.filter(username__in=("police", "county"))}
    if set(users) != {"police", "county"}:
        return {}
    day = min(as_of, timezone.localdate())
    with transaction.atomic():
        counts = _create(day, users["police"], users["county"])
        hospital = Report.objects.filter(reporter_kind="hospital", child__isnull=False).first()
        if hospital is not None and hospital.child is not None:
            counts.update(_care(day, users["police"], users["county"], hospital, hospital.child))
        return counts


def _care(day: dt.date, police: User, county: User, report: Report, child: Child) -> dict[str, int]:
    """The register, a removal and placement, and a protection order to decide."""
    centre = facility_create(
        actor=county,
        name="翠屏区未成年人救助保护中心（演示）",
        kind=CareFacility.Kind.PROTECTION_CENTRE,
        capacity=12,
        region_code="511502",
    )
    facility_create(
        actor=county,
        name="宜宾市儿童福利院（演示）",
        kind=CareFacility.Kind.WELFARE_INSTITUTION,
        capacity=40,
        region_code="511502",
    )
    facility_create(
        actor=county,
        name="赵家寄养家庭（演示）",
        kind=CareFacility.Kind.FOSTER_FAMILY,
        capacity=2,
        region_code="511502",
    )
    removal_record(
        actor=police,
        child=child,
        removed_at=timezone.now() - dt.timedelta(hours=30),
        removed_by_body=RemovingBody.PUBLIC_SECURITY,
        removed_by_name="陈志强（演示）",
        ground=Ground.HARMED_BY_GUARDIAN,
        circumstances="医院报告后民警到场核实，儿童面临继续遭受殴打的危险，带离至救助保护中心。（演示）",
        report_id=report.pk,
    )
    placement_start(
        actor=county,
        child=child,
        data=PlacementInput(kind=Placement.Kind.INSTITUTION, started_on=day, facility_id=centre.pk),
    )
    # The application is made now (the court's 24 hours run from its time), whatever the
    # demo's date.
    applied_at = timezone.now() - dt.timedelta(hours=2)
    intervention_record(
        actor=county,
        child=child,
        data=StepInput(
            step=InterventionStep.Step.ORDER_APPLIED,
            on=timezone.localdate(applied_at),
            body=InterventionStep.Body.CIVIL_AFFAIRS,
            evidence="医院强制报告、公安出警记录，儿童多处伤痕。（演示）",
            responsible="刘德明（演示）",
            urgent=True,
            applied_at=applied_at,
        ),
    )
    return {"facilities": 3, "removals": 1, "placements": 1, "intervention_steps": 1}


def _create(day: dt.date, police: User, county: User) -> dict[str, int]:
    made = 0
    teacher, _ = report_file(
        actor=None,
        data=ReportData(
            reporter_kind="school",
            reporter_name="李老师（演示）",
            reporter_unit="翠屏区实验小学（演示）",
            reporter_phone="13800000001",
            child_description="三年级女生，约9岁，小名“花花”（演示）",
            child_sex="female",
            child_age=9,
            region_code=VILLAGE,
            place="学校卫生室",
            situations=[Situation.GENITAL_INJURY],
            observed_on=day,
            account="体育课后发现孩子走路困难，校医检查发现隐私部位有非正常损伤。（演示）",
        ),
    )
    report_route(report_id=teacher.pk)
    made += 1

    child = (
        Child.objects.filter(region_id=VILLAGE, status=Child.Status.ACTIVE, sex="male")
        .order_by("pk")
        .first()
    )
    if child is not None:
        hospital, _ = report_file(
            actor=None,
            data=ReportData(
                reporter_kind="hospital",
                reporter_name="王医生（演示）",
                reporter_unit="宜宾市第二人民医院（演示）",
                reporter_phone="13800000002",
                child_description="就诊男童，由邻居送医（演示）",
                child_sex="male",
                region_code=VILLAGE,
                situations=[Situation.SERIOUS_INJURY],
                observed_on=day - dt.timedelta(days=2),
                account="身上多处新旧伤痕，严重营养不良，疑似长期遭受殴打。（演示）",
            ),
        )
        report_route(report_id=hospital.pk)
        report_child_link(actor=police, report=hospital, child=child)
        report_accept(actor=police, report=hospital)
        report_finding_record(actor=police, report=hospital, finding="substantiated")
        report_accept(actor=county, report=hospital)
        made += 1

    public, _ = report_file(
        actor=None,
        data=ReportData(
            reporter_kind="public",
            anonymous=True,
            child_description="火车站广场一名约7岁男孩，由成年人带领乞讨（演示）",
            child_sex="male",
            child_age=7,
            region_code=VILLAGE,
            place="火车站广场",
            situations=[Situation.ORGANISED_BEGGING],
            observed_on=day,
            account="连续三天看到同一名成年人带着孩子在广场乞讨，孩子衣着单薄。（演示）",
        ),
    )
    report_route(report_id=public.pk)
    made += 1
    return {"reports": made}
