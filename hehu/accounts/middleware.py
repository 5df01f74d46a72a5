"""Sessions that expire after inactivity without a database write on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse

from hehu.accounts.sessions import refreshed_at


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, with the idle expiry of SESSION_SAVE_EVERY_REQUEST at a
    fraction of its cost.

    Saving every request's session moved the expiry forward with an UPDATE (three statements
    with its transaction) on every page and API call. Here an unchanged session is saved
    only when it was last written (hehu.accounts.sessions stamps each write) more than
    HEHU_SESSION_REFRESH_SECONDS ago. A session still ends SESSION_COOKIE_AGE after its last
    request, up to that interval earlier (by default 60 s of 30 minutes). Changed sessions
    (sign-in, messages) are saved as always. Needs SESSION_SAVE_EVERY_REQUEST = False.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.accessed
            and not session.modified
            and not session.is_empty()
        ):
            written = refreshed_at(session)
            age = int(time.time()) - written if written is not None else -1
            # A session never stamped, or stamped "in the future" (a clock set back), is saved.
            if not 0 <= age < settings.HEHU_SESSION_REFRESH_SECONDS:
                session.modified = True
        return super().process_response(request, response)
