"""Walking the URL configuration: every named route with its keyword arguments.

The authorization matrices (hehu/api/tests/, hehu/cases/tests/) are built from this list,
so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: tuple[str, ...]


def _walk(resolvers: list[URLPattern | URLResolver], prefix: str, ns: str) -> Iterator[Route]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            child_ns = ns
            if entry.namespace:
                child_ns = f"{ns}:{entry.namespace}" if ns else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), child_ns)
        else:
            name = f"{ns}:{entry.name}" if ns and entry.name else (entry.name or "")
            pattern = prefix + str(entry.pattern)
            kwargs = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
            yield Route(name=name, pattern=pattern, kwargs=kwargs)


def all_routes() -> list[Route]:
    return [r for r in _walk(get_resolver().url_patterns, "/", "") if r.name]
