"""What case management reacts to (subscribed in CasesConfig.ready)."""

from __future__ import annotations


def subscribe_all() -> None:
    """Subscribe the case handlers to the events of other apps (filled by the lifecycle)."""
