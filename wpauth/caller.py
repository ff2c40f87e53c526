"""Who is asking: the WordPress user authentication vouched for, and the
credentials WordPress is asked with on their behalf (`request.auth`)."""

from dataclasses import dataclass

from core.errors import NotAuthenticated

from .identity import WordPressUser

Credentials = tuple[str, str]  # (username, application password) of the caller


def canonical(username: str, password: str) -> Credentials:
    """The credentials as WordPress reads them: the login trimmed with inner runs of
    whitespace made one space (`sanitize_user`), the application password without
    whitespace (WordPress shows it in groups of four). WordPress also compares
    logins without regard to case, which the credential cache's keys follow."""
    return " ".join(username.split()), "".join(password.split())


@dataclass(frozen=True)
class Caller:
    user: WordPressUser
    # None only for a caller authenticated without Basic credentials, which
    # WordPress cannot be asked for: fine while WordPress need not be asked
    # (administrators on the item routes).
    credentials: Credentials | None

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"Caller(user={self.user!r})"

    def wordpress_credentials(self) -> Credentials:
        """The credentials to ask WordPress with, or NotAuthenticated (docs/api.md, "Authentication":
        401 without a challenge: nobody refused them, there are none)."""
        if self.credentials is None:
            raise NotAuthenticated("Invalid credentials")
        return self.credentials
