"""No e-mail address and no post password in the logs: invitee routes carry
addresses in their paths (`DELETE /registries/4/invitees/guest@example.test`),
reads of a password-protected registry its password in the query
(`?password=...`), which Django, Mangum and runserver log as they are."""

import logging
import re

# An address as it appears in a path or a query, plain or percent-encoded.
ADDRESS = re.compile(r"[^\s/?&=#\"']+(?:@|%40)[^\s/?&=#\"']+", re.IGNORECASE)
PASSWORD = re.compile(r"([?&]password=)[^&#\s\"']*", re.IGNORECASE)
# The loggers that write request paths.
PATH_LOGGERS = ("django.request", "django.server", "mangum.http")


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = PASSWORD.sub(r"\1[password]", ADDRESS.sub("[address]", message))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact_addresses() -> None:
    for name in PATH_LOGGERS:
        logging.getLogger(name).addFilter(RedactPersonalData())
