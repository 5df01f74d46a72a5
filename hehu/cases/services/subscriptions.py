"""What case management reacts to (subscribed in CasesConfig.ready).

- A child enters a category that needs follow-up (procedure parameter
  `case_opening_categories`): a case opens by itself when the child has none.
- A child's file changed: a new residence moves the open case to the new village; a new
  guardianship grade may change the case's risk (and so its visit frequency).

Handlers run after the publishing transaction committed (hehu.core.events); each is
idempotent (run twice, it changes nothing more) and never raises into the publisher.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hehu.cases.errors import CaseAlreadyOpen
from hehu.cases.models import Case
from hehu.cases.procedures import procedure_value
from hehu.cases.services.cases import case_open
from hehu.cases.services.casework import case_risk_refresh
from hehu.cases.services.transfer import case_transfer
from hehu.core.events import CATEGORIES_ENTERED, CHILD_CHANGED, subscribe
from hehu.registry.models import Child

logger = logging.getLogger(__name__)


def _open_case(child: Child) -> Case | None:
    return Case.objects.filter(child=child).exclude(status=Case.Status.CLOSED).first()


def _date(on: Any) -> dt.date:
    if isinstance(on, dt.date):
        return on
    try:
        return dt.date.fromisoformat(str(on))
    except ValueError:
        return timezone.localdate()


def _category_name(child: Child, code: str, on: dt.date, language: str = "zh-hans") -> str:
    """The category's name in the policy in force (the code if it cannot be read)."""
    from hehu.policy.services.classify import policy_for_child

    try:
        return str(policy_for_child(child, on=on).policy.category(code).name.get(language))
    except Exception:  # a reason text is not worth failing the opening for
        logger.warning("no name for category %s of child %s", code, child.pk, exc_info=True)
        return code


def categories_entered(
    *, child_id: int, categories: list[str], on: Any = None, **extra: Any
) -> None:
    """A child entered categories: open a case if one of them calls for it and none is open;
    an open case has its risk looked at again (a category may make it high risk)."""
    child = Child.objects.select_related("region").filter(pk=child_id).first()
    if child is None or child.status != Child.Status.ACTIVE:
        return
    existing = _open_case(child)
    if existing is not None:
        case_risk_refresh(case=existing)
        return
    opening = procedure_value("case_opening_categories", child.region_id, _date(on))
    hit = [code for code in opening if code in set(categories)]
    if not hit:
        return
    try:
        case_open(
            actor=None,
            child=child,
            source=Case.Source.CATEGORY,
            source_category=hit[0],
            reason=_("儿童纳入“%(name)s”类别，系统自动开案。")
            % {"name": _category_name(child, hit[0], _date(on))},
        )
    except CaseAlreadyOpen:
        # Another handler or a person opened it meanwhile: the case exists, as wanted.
        logger.info("case of child %s already open", child_id)


def child_changed(*, child_id: int, **extra: Any) -> None:
    """A child's file changed: move the open case with the child; refresh its risk."""
    child = Child.objects.select_related("region").filter(pk=child_id).first()
    if child is None or child.status != Child.Status.ACTIVE:
        return  # a merged or closed file: its case is handled by people, not here
    case = _open_case(child)
    if case is None:
        return
    if case.region_code != child.region_id:
        case = case_transfer(actor=None, case=case, region=child.region)
    case_risk_refresh(case=case)


def subscribe_all() -> None:
    """Subscribe the case handlers to the events of other apps."""
    subscribe(CATEGORIES_ENTERED, categories_entered)
    subscribe(CHILD_CHANGED, child_changed)


def category_name(*, child: Child, code: str, on: dt.date) -> str:
    """A category's name in the page's language, for the case page ("孤儿" for `orphan`)."""
    return _category_name(child, code, on, get_language() or "zh-hans")


def category_name_zh(*, child: Child, code: str, on: dt.date) -> str:
    """A category's Chinese name, for the reasons the system writes when it opens a case."""
    return _category_name(child, code, on)
