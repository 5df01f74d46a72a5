"""Pages of the policy engine: the policies (read-only), a child's categories explained, and
re-classifying one child on request.

The explanation shown on a child's page is the stored one-child trace; after a population
run only the categories are stored, so the trace is recomputed here for display — the
same evaluator, the same policy version and date as the stored result.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError
from hehu.policy.engine.errors import PolicyError
from hehu.policy.engine.model import Policy
from hehu.policy.fact_labels import fact_phrase
from hehu.policy.models import PolicyVersion
from hehu.policy.policies import policy_by_ref, policy_status, stored_catalogue
from hehu.policy.selectors import policy_versions
from hehu.policy.services import (
    child_classification_explained,
    child_reclassify,
    policy_loaded,
)
from hehu.registry.access import access_child_by_id
from hehu.registry.models import Child

MAX_DEPTH = 5  # nested sub-conditions shown under a clause


def _require(user: Any, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied


# ---- policies ------------------------------------------------------------------------------


@login_required
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, Perm.VIEW_POLICY)
    today = timezone.localdate()
    statuses = {v.ref: v.get_status_display() for v in policy_versions()}
    rows = [
        {
            "policy": p,
            "title": p.title.get(_lang()),
            "timing": policy_status(p, today),
            "status": statuses.get(p.ref),
        }
        for p in sorted(
            stored_catalogue().every.all(), key=lambda p: (p.id, p.effective_from, p.version)
        )
    ]
    return render(request, "policy/policy_list.html", {"rows": rows})


@login_required
@require_GET
def policy_detail(request: HttpRequest, policy_id: str, version: str) -> HttpResponse:
    _require(request.user, Perm.VIEW_POLICY)
    policy = policy_by_ref(policy_id, version, stored_catalogue())
    lang = _lang()
    context = {
        "policy": policy,
        "title": policy.title.get(lang),
        "timing": policy_status(policy, timezone.localdate()),
        "categories": [
            {
                "code": c.code,
                "name": c.name.get(lang),
                "description": c.description.get(lang) if c.description else "",
                "excluded_by": [policy.category(code).name.get(lang) for code in c.excluded_by],
                "clauses": [{"label": k.label.get(lang), "source": k.source} for k in c.clauses],
            }
            for c in policy.categories
        ],
        "parameters": [
            {"name": p.name, "label": p.label.get(lang), "type": str(p.type), "values": p.values}
            for p in policy.parameters.values()
        ],
        "predicates": [
            {"name": p.name, "label": p.label.get(lang), "source": p.source}
            for p in policy.predicates.values()
        ],
        "signals": [
            {"code": s.code, "label": s.label.get(lang), "source": s.source}
            for s in policy.need_signals
        ],
    }
    return render(request, "policy/policy_detail.html", context)


# ---- one child -----------------------------------------------------------------------------


@login_required
@require_POST
def child_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Classify the child now under the policy in effect (stored, entries/exits recorded)."""
    child = access_child_by_id(request.user, pk)
    _require(request.user, Perm.EDIT_CHILD)
    try:
        child_reclassify(actor=request.user, child=child)
    except (ApplicationError, PolicyError) as exc:
        messages.error(request, _("重新认定失败：%(error)s") % {"error": exc})
    else:
        messages.success(request, _("已按现行政策重新认定。"))
    return redirect(reverse("web:child", args=[child.pk]) + "#categories")


def child_classification_panel(child: Child) -> dict[str, Any] | None:
    """What the child's page shows of its stored classification, in the page's language:
    each category with why, each other category with the first clause that failed, the
    coverage gap with its need signals. None when the child was never classified."""
    explained = child_classification_explained(child)
    if explained is None:
        return None
    stored, reasons = explained
    ref = stored.policy_version.ref
    policy = _policy_or_none(stored.policy_version)
    lang = _lang()
    umbrella_names = {u.code: u.name.get(lang) for u in policy.umbrellas} if policy else {}
    panel: dict[str, Any] = {
        "policy": ref,
        "as_of": stored.as_of,
        "umbrellas": [umbrella_names.get(code, code) for code in stored.umbrellas],
        "coverage_gap": stored.coverage_gap,
        "categories": [],
        "not_in": [],
        "signals": [],
        "explained": reasons is not None,
    }
    if reasons is None:
        panel["categories"] = [
            {"code": code, "name": code, "why": []} for code in stored.categories
        ]
        return panel
    labels = {p.name: p.label.get(lang) for p in policy.parameters.values()} if policy else {}
    panel["categories"] = [
        {
            "code": c["code"],
            "name": _pick(c["name"], lang),
            "why": _rows(c["reasons"], lang, labels),
        }
        for c in reasons.get("categories", [])
    ]
    panel["not_in"] = [
        {
            "code": c["code"],
            "name": _pick(c["name"], lang),
            "why_not": _rows([c["failed"]], lang, labels),
        }
        for c in reasons.get("not_in", [])
    ]
    panel["signals"] = _rows(reasons.get("need_signals", []), lang, labels)
    return panel


def _policy_or_none(version: PolicyVersion) -> Policy | None:
    try:
        return policy_loaded(version)
    except (ApplicationError, PolicyError):  # a stored text that no longer loads
        return None


def _lang() -> str:
    return translation.get_language() or "zh-hans"


def _pick(text: Any, lang: str) -> str:
    if not isinstance(text, dict):
        return str(text)
    key = "en" if lang.startswith("en") else "zh-hans"
    return str(text.get(key) or text.get("zh-hans") or "")


def _rows(
    traces: list[dict[str, Any]], lang: str, labels: dict[str, str], depth: int = 0
) -> list[dict[str, Any]]:
    """Traces flattened to indented rows (text, holds, facts read) for a template; each fact
    as a phrase, with its raw path and value kept for a hover title."""
    rows: list[dict[str, Any]] = []
    for trace in traces:
        facts = trace.get("facts") or {}
        holds = bool(trace.get("holds"))
        rows.append(
            {
                "depth": depth,
                "text": _pick(trace.get("text"), lang),
                "holds": holds,
                "facts": [
                    {
                        "raw": f"{path} = {_shown(value)}",
                        "text": fact_phrase(path, value, labels),
                    }
                    for path, value in facts.items()
                ],
            }
        )
        if depth < MAX_DEPTH:
            because = trace.get("because") or []
            if not holds:
                because = _other_than_type(because)
            rows.extend(_rows(because, lang, labels, depth + 1))
    return rows


def _other_than_type(traces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Under a failed clause, the sub-traces that failed for a reason other than a condition
    being of another type (a q_* predicate that read nothing but `….type`); all of them when
    that leaves none. For the page only: the stored trace keeps every one."""
    kept = [t for t in traces if not _only_other_type(t)]
    return kept or traces


def _only_other_type(trace: dict[str, Any]) -> bool:
    facts = trace.get("facts") or {}
    return (
        str(trace.get("clause", "")).startswith("q_")
        and not trace.get("holds")
        and not trace.get("because")
        and len(facts) == 1
        and next(iter(facts)).endswith(".type")
    )


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)
