"""makemessages that also extracts `_lazy(...)`: the API modules import gettext_lazy under
that name (their help texts), and Django's command has no option for another keyword."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
