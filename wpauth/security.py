"""The API's Ninja auth: HTTP Basic credentials, authenticated by the backend;
what it returns, the Caller, is `request.auth`."""

import binascii
from base64 import b64decode

from ninja.security import HttpBasicAuth

from core.errors import AuthenticationUnavailable, InvalidCredentials, MissingCredentials, WordPressUnavailable

from .backends import WordPressBackend
from .caller import Caller


class ServiceKeyNotSupported(MissingCredentials):
    """X-Service-Key without Authorization: what the plugin (1.1+) sends when its API
    key is set. Told apart from a bare missing header so that its 401 says what to
    configure instead (docs/plugin.md)."""


class WordPressBasicAuth(HttpBasicAuth):
    backend = WordPressBackend()

    def __call__(self, request) -> Caller:
        header = request.headers.get("Authorization")
        if not header:
            raise ServiceKeyNotSupported if "X-Service-Key" in request.headers else MissingCredentials
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
        return self.backend.authenticate(request, username=username, password=password)

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
