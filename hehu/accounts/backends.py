"""Authentication backend: Django's, loading a signed-in user's jurisdictions with the user.

Every request of a signed-in person needs both (the jurisdiction decides which children they
see); reading them in one query instead of two saves a query on every page and API call.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery

from hehu.accounts.models import Jurisdiction, User

SEPARATOR = ","  # prefixes are digits only


class _JoinedText(Aggregate):
    """string_agg (PostgreSQL) / group_concat (SQLite) of a text column, comma-separated."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def _prefixes_subquery() -> Subquery:
    joined = (
        Jurisdiction.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(joined=_JoinedText("prefix"))
        .values("joined")
    )
    return Subquery(joined, output_field=CharField())


class JurisdictionModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.annotate(joined_prefixes=_prefixes_subquery()).get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        joined = user.__dict__.pop("joined_prefixes")
        # No row: no jurisdiction (sees nothing); "" alone is the national level.
        user._prefixes = sorted(joined.split(SEPARATOR)) if joined is not None else []
        return user if self.user_can_authenticate(user) else None
