"""The domain's errors: what went wrong, with the text the caller reads. No
HTTP here: `registry_api.errors` gives each its status and headers."""


class DomainError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """No such thing, or none the caller may know of."""


class PermissionDenied(DomainError):
    """The caller may not do this."""


class Conflict(DomainError):
    """The request contradicts what is stored (a purchase beyond what is needed)."""


class NotAuthenticated(DomainError):
    """The caller cannot be spoken for to WordPress: authenticated without Basic
    credentials (docs/api.md, "Authentication"). Not a refusal of credentials, so no challenge."""


class DatabaseBusy(DomainError):
    """Other writers held the database's lock until the request's deadline: worth retrying shortly."""
