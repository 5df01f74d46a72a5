"""Finding the same child twice: by ID number (certain) or by name and birth date (likely).

An ID number is compared through its keyed blind index only. Without a match on the ID, a
file is a *likely* duplicate when the folded name or its pinyin, the birth date and the
county agree, unless both files carry (different) ID numbers — then they are two people.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from hehu.core.crypto import blind_index
from hehu.registry.models import Child
from hehu.registry.selectors import region_scope_q

ID_PURPOSE = "id_number"


def id_number_index(number: str) -> str:
    """The blind index of a normalised ID number (see idnumber.normalise_id_number)."""
    return blind_index(number, purpose=ID_PURPOSE)


def child_with_id_index(index: str, *, exclude_pk: int | None = None) -> Child | None:
    """The active file already registered with this ID number, if any."""
    queryset = Child.objects.filter(id_number_index=index, status=Child.Status.ACTIVE)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.first()


def likely_duplicates(
    *,
    key: str,
    pinyin: str,
    birth_date: dt.date,
    region_code: str,
    has_id_number: bool,
    exclude_pk: int | None = None,
) -> QuerySet[Child]:
    """Active files with the same name (folded or pinyin), birth date and county."""
    same_name = Q(name_key=key)
    if pinyin:
        same_name |= Q(name_pinyin=pinyin)
    queryset = Child.objects.filter(
        same_name,
        region_scope_q([region_code[:6]]),
        birth_date=birth_date,
        status=Child.Status.ACTIVE,
    )
    if has_id_number:
        queryset = queryset.filter(id_number_index__isnull=True)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.order_by("pk")
