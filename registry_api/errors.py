"""Errors that business rules raise and the API answers as `{"detail": ...}`."""


class ApiError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ApiError):
    status_code = 404


class Forbidden(ApiError):
    status_code = 403


class Conflict(ApiError):
    status_code = 409
