"""What the report and anomaly endpoints share: money, labels in both languages, the
reader's scope (404 outside the jurisdiction), the refusals."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers
from rest_framework.request import Request

from hehu.benefits.reports.scope import OutsideReach, Scope, report_scope
from hehu.benefits.selectors import programme_labels
from hehu.registry.serializers import RefusalOutput

REFUSALS: dict[int, Any] = {400: RefusalOutput, 403: RefusalOutput, 404: RefusalOutput}
FIRST_YEAR = 2000


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def both(text: Any) -> dict[str, str]:
    """A label in both languages: a policy Text, a {"zh", "en"} dict, or a lazy string."""
    if isinstance(text, dict):
        return {"zh-hans": str(text.get("zh", "")), "en": str(text.get("en", ""))}
    if hasattr(text, "zh") and hasattr(text, "en"):
        return {"zh-hans": str(text.zh), "en": str(text.en)}
    out = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            out[language] = str(text)
    return out


def scope_of(request: Request) -> Scope:
    try:
        return report_scope(request.user, request.query_params.get("region"))
    except OutsideReach:
        raise Http404 from None


def programmes_of(codes: list[str]) -> list[dict[str, Any]]:
    labels = programme_labels()
    return [{"code": c, "name": both(labels.get(c, {"zh": c, "en": c}))} for c in codes]


def label_field(help_text: Any) -> serializers.DictField:
    return serializers.DictField(child=serializers.CharField(), help_text=help_text)


class ProgrammeOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = label_field(_lazy("项目名称（zh-hans、en）"))


class CrumbOutput(serializers.Serializer[Any]):
    region = serializers.CharField()
    name = serializers.CharField()
