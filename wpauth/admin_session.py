"""Admin sessions that WordPress keeps vouching for.

An admin session lasts ADMIN_SESSION_AGE seconds from login at most (not
extended by use), lives in the database (a logout deletes it for good) and is
re-checked against WordPress every ADMIN_RECHECK_INTERVAL seconds: the
application password must still be valid and its user still an administrator,
else the session ends at that request.

Re-checking needs the application password, which the service must not keep:
stored in the session, even signed or encrypted with a server key, it would be
a credential at rest that a copy of the database (and the key) gives away. So
it is split in two shares at login (a one-time pad): a random pad as long as
the password stays in the server-side session, the password XOR the pad goes to
the browser in its own cookie (HttpOnly, Secure without DEBUG, kept until the
browser closes, deleted by the server once the session is gone). Either share
alone is random noise; only a request that carries the cookie for a live
session can rebuild the password, for the moment of the re-check.

No server share outlives its session: a logout deletes the session's row, a
request naming an expired session deletes that row, and the first admin request
a process serves, and each login, purge every expired row (`clearsessions` does
the same from the command line). The browser's share is worthless from then on.
"""

import base64
import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone

from .administrators import AdminRefused, Refusal, wordpress_administrator

logger = logging.getLogger(__name__)

COOKIE = "wordpress_share"
PAD, USER_ID, CHECKED_AT = "wpauth_pad", "wpauth_user_id", "wpauth_checked_at"

ENDED = {
    Refusal.CREDENTIALS: "WordPress no longer accepts your application password: log in again.",
    Refusal.NOT_ADMINISTRATOR: "You are no longer a WordPress administrator: the admin is closed to you.",
    Refusal.UNAVAILABLE: "WordPress is unavailable, so your access could not be confirmed: log in again when it is back.",
}
NO_SHARE = "Your session could not be confirmed with WordPress: log in again."


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def split(password: str) -> tuple[str, str]:
    """(the server's share, the browser's share) of `password`."""
    secret = password.encode()
    pad = secrets.token_bytes(len(secret))
    return base64.b64encode(pad).decode(), base64.b64encode(_xor(secret, pad)).decode()


def join(server_share: str, browser_share: str) -> str | None:
    """The password, or None if the shares do not fit together."""
    if not server_share or not browser_share:
        return None
    try:
        return _xor(base64.b64decode(browser_share, validate=True), base64.b64decode(server_share)).decode()
    except ValueError:  # bad base64, lengths differ, not UTF-8
        return None


class AdminSessionMiddleware:
    """Starts admin sessions at login and re-checks them; after the auth and
    messages middleware. Only the admin's paths: the API never uses sessions."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.purged = False

    def __call__(self, request):
        if not request.path.startswith(reverse("admin:index")):
            return self.get_response(request)
        if not self.purged:  # rows that expired while no process served the admin
            request.session.clear_expired()
            self.purged = True
        self.forget_expired(request)
        ended = self.recheck(request)
        response = ended or self.get_response(request)
        login = getattr(request, "wordpress_login", None)
        if login is not None and request.user.is_authenticated:
            self.start(request, response, *login)
        elif COOKIE in request.COOKIES and PAD not in request.session:
            response.delete_cookie(COOKIE, path=settings.SESSION_COOKIE_PATH, samesite=settings.SESSION_COOKIE_SAMESITE)
        return response

    def forget_expired(self, request) -> None:
        """Deletes the row of the expired session the request's cookie names:
        Django's session engine only ignores it, and it holds a server's share."""
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if key is None:
            return
        request.session.keys()  # loads it: the store drops the key when no live session has it
        if request.session.session_key is None:
            request.session.delete(key)

    def start(self, request, response, wordpress_user, password: str) -> None:
        """The session just logged in: absolute expiry, the server's share, the browser's share."""
        # A date, not an age: saving the session (each re-check does) does not extend it.
        request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
        request.session.clear_expired()  # a long-running process purges at logins too
        server_share, browser_share = split(password)
        request.session[PAD] = server_share
        request.session[USER_ID] = wordpress_user.id
        request.session[CHECKED_AT] = time.time()
        # No Max-Age or Expires: the browser drops it when it closes, the server once the session is gone.
        response.set_cookie(
            COOKIE,
            browser_share,
            path=settings.SESSION_COOKIE_PATH,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )

    def recheck(self, request):
        """None to go on, or the redirect to the login page of a session that ended."""
        if not request.user.is_authenticated:
            return None
        session = request.session
        if time.time() - session.get(CHECKED_AT, 0) < settings.ADMIN_RECHECK_INTERVAL:
            return None
        password = join(session.get(PAD, ""), request.COOKIES.get(COOKIE, ""))
        if password is None:
            return self.end(request, NO_SHARE, "its shares do not fit")
        try:
            wordpress_user = wordpress_administrator(request, request.user.get_username(), password)
        except AdminRefused as refused:
            return self.end(request, ENDED[refused.reason], refused.reason.value)
        if wordpress_user.id != session.get(USER_ID):
            return self.end(request, NO_SHARE, "another WordPress user answered")
        session[CHECKED_AT] = time.time()
        return None

    def end(self, request, message: str, why: str):
        logger.warning("admin session of %r ended: %s", request.user.get_username(), why)
        logout(request)  # deletes the session, and with it the server's share
        messages.error(request, message)
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
