"""Errors that business rules raise and the API answers as `{"detail": ...}`."""


class ApiError(Exception):
    status_code = 400
    headers: dict[str, str] = {}  # extra response headers

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ApiError):
    status_code = 404


class Forbidden(ApiError):
    status_code = 403


class Conflict(ApiError):
    status_code = 409


class Unauthorized(ApiError):
    """401. With `challenge` (the default) it asks for Basic credentials, as
    every 401 of the authentication step does (CONTRACT 6.1)."""

    status_code = 401

    def __init__(self, detail: str, *, challenge: bool = True) -> None:
        super().__init__(detail)
        if challenge:
            self.headers = {"WWW-Authenticate": "Basic"}


class BadGateway(ApiError):
    """WordPress answered with an error or with something that is not its REST API."""

    status_code = 502


class GatewayTimeout(ApiError):
    """WordPress did not answer in time."""

    status_code = 504


class DatabaseBusy(ApiError):
    """Other writers held the database's lock until the request's deadline: worth retrying shortly."""

    status_code = 503
    headers = {"Retry-After": "1"}
