"""Which policy applies to a child, from one of two catalogues.

The command line and the API both pick a policy here, so that `hehu classify` and
`POST /api/v1/classify` answer the same for the same facts and the same catalogue:
- the **shipped** catalogue reads the files under `policies/` only (no database), so the
  command line works on a machine without one;
- the **stored** catalogue is what the system runs on: the versions approved through the
  lifecycle (the shipped files are among them), by their stored effective periods; an
  explicit "ID@VERSION" may also name a draft, so a draft can be tried on facts before
  it is approved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from django.http import Http404
from django.utils.translation import gettext as _

from hehu.core.errors import ApplicationError
from hehu.policy.engine.errors import FactsError
from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.load import PolicySet, load_policy_set
from hehu.policy.engine.model import Policy
from hehu.policy.models import PolicyVersion
from hehu.policy.services.policies import policies_in_force, policy_set_loaded, shipped_policy_dir
from hehu.registry.facts import validate_facts

Status = Literal["in_effect", "scheduled", "ended"]


class UnknownPolicy(ApplicationError):
    code = "unknown_policy"
    status = 400


class NoPolicyInEffect(ApplicationError):
    code = "no_policy"
    status = 400


@cache
def shipped_policies() -> PolicySet:
    """Every policy file under `policies/`, loaded once per process (PolicyErrors if any
    file is malformed: a policy is never partially applied)."""
    return load_policy_set(shipped_policy_dir())


@dataclass(frozen=True)
class Catalogue:
    in_force: PolicySet  # what applies by region and date; "ID" alone = its latest here
    every: PolicySet  # what an explicit "ID@VERSION" may name


def shipped_catalogue() -> Catalogue:
    policies = shipped_policies()
    return Catalogue(in_force=policies, every=policies)


def stored_catalogue() -> Catalogue:
    """The versions in the database: approved/retired ones apply; any may be named."""
    in_force, _by_ref = policies_in_force()
    every, _by_ref = policy_set_loaded(list(PolicyVersion.objects.all()))
    return Catalogue(in_force=in_force, every=every)


def policy_for(
    policy_ref: str | None,
    region_code: str | None,
    on: dt.date,
    catalogue: Catalogue | None = None,
) -> Policy:
    """The policy named by `policy_ref` ("ID" for its latest version, or "ID@VERSION"), or
    without one, the policy in effect on `on` for a child living in `region_code`: its
    province's override when there is one, else the national default."""
    catalogue = catalogue or shipped_catalogue()
    policies = catalogue.in_force
    if policy_ref:
        policy_id, _sep, version = policy_ref.partition("@")
        named = catalogue.every if version else catalogue.in_force
        try:
            found: Policy | None = named.get(policy_id, version or None)
        except LookupError:
            found = None
        if found is None:
            known = ", ".join(sorted({p.ref for p in catalogue.every.all()}))
            raise UnknownPolicy(
                _("没有政策 %(ref)s（现有：%(known)s）") % {"ref": policy_ref, "known": known},
                field="policy",
            )
        return found
    try:
        in_effect: Policy | None = policies.for_region(region_code or "", on)
    except LookupError:
        in_effect = None
    if in_effect is None:
        raise NoPolicyInEffect(
            _("%(date)s 没有适用于区划 %(region)s 的政策")
            % {"date": on.isoformat(), "region": region_code or "—"}
        )
    return in_effect


def policy_by_ref(policy_id: str, version: str, catalogue: Catalogue | None = None) -> Policy:
    """One policy version (merged with its base when an override), or 404."""
    catalogue = catalogue or shipped_catalogue()
    try:
        found: Policy | None = catalogue.every.get(policy_id, version)
    except LookupError:
        found = None
    if found is None:
        raise Http404
    return found


def policy_status(policy: Policy, on: dt.date) -> Status:
    if policy.effective_from > on:
        return "scheduled"
    if policy.effective_to is not None and policy.effective_to < on:
        return "ended"
    return "in_effect"


def error_line(
    doc_id: Any, code: str, message: str, problems: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The line written for a document that cannot be classified."""
    return {
        "id": doc_id if isinstance(doc_id, str) else None,
        "error": {"code": code, "message": message, "problems": problems or []},
    }


def facts_classify(
    doc: object,
    *,
    as_of: dt.date,
    policy_ref: str | None,
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """One facts document → its classification (`Classification.as_dict()`), or an error
    line when the document is invalid or no policy applies. Nothing is stored."""
    doc_id = doc.get("id") if isinstance(doc, dict) else None
    problems = validate_facts(doc)
    if problems or not isinstance(doc, dict):
        return error_line(
            doc_id,
            "invalid_facts",
            _("事实文档无效（%(n)d 处问题）") % {"n": len(problems)},
            [{"path": p.path, "code": p.code, "message": p.message} for p in problems],
        )
    try:
        policy = policy_for(policy_ref, doc.get("region_code"), as_of, catalogue)
    except NoPolicyInEffect as exc:
        return error_line(doc_id, exc.code, str(exc.message))
    try:
        return classify(policy, doc, as_of).as_dict()
    except FactsError as exc:
        problems_out = [
            {"path": str(p.get("path", "")), "message": str(p.get("message", ""))}
            for p in exc.problems
        ]
        return error_line(doc_id, "invalid_facts", str(exc), problems_out)
