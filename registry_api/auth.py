"""The Ninja auth class: HTTP Basic credentials checked against WordPress,
between the JSON body checks (`request_body`) in v1.0.x's order."""

import binascii
from base64 import b64decode

from ninja.security import HttpBasicAuth

from wpgateway.caller import Caller
from wpgateway.credentials import verify
from wpgateway.errors import WordPressUnavailable

from .request_body import reject_malformed_json, reject_non_object_body


class MissingCredentials(Exception):
    """No Authorization header: 401 `Missing Authorization header`."""


class InvalidCredentials(Exception):
    """Unparsable or refused credentials: 401 `Invalid WordPress credentials`."""


class AuthenticationUnavailable(Exception):
    """WordPress cannot vouch for anyone right now: 503 with Retry-After, not 401."""


class WordPressBasicAuth(HttpBasicAuth):
    def __call__(self, request):
        header = request.headers.get("Authorization")
        if not header:
            raise MissingCredentials
        username, password = self.decode_authorization(header)
        try:
            user = self.authenticate(request, username, password)
        except WordPressUnavailable as exc:
            raise AuthenticationUnavailable(str(exc)) from exc
        if user is None:
            raise InvalidCredentials
        # WordPress is asked as the caller; the credentials stay on this
        # request's Caller only (the cached user never holds them).
        return Caller(user, (username, password))

    def authenticate(self, request, username, password):
        # Not a Django authentication backend: those would import django.contrib.auth,
        # which Lambda does not install (settings.ADMIN_APPS).
        return verify(username, password)

    def decode_authorization(self, value: str) -> tuple[str, str]:
        # Stricter than Ninja's: the scheme must be exactly "Basic " (as in
        # v1.0.x) followed by strict base64 and nothing else, so that two
        # credentials joined by a proxy ("Basic a, Basic b") are refused rather
        # than one of them read; the password may contain further colons.
        if not value.startswith("Basic "):
            raise InvalidCredentials
        try:
            username, password = b64decode(value[6:], validate=True).decode("utf-8").split(":", 1)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidCredentials from exc
        return username, password


class ApiAuth(WordPressBasicAuth):
    def __call__(self, request) -> Caller:
        reject_malformed_json(request)
        caller = super().__call__(request)
        # Here, the last step before Ninja validates: after authentication (a
        # 401 comes first), as FastAPI orders it (docs/api.md, "Conventions").
        reject_non_object_body(request)
        return caller
