"""No e-mail address reaches the logs through a request's path (registry_api/redaction.py)."""

import logging

import pytest

from registry_api.redaction import PATH_LOGGERS
from tests.support.client import ApiClient

ADDRESS = "private.person@example.test"


@pytest.mark.parametrize(
    "path",
    [f"/registries/4/invitees/{ADDRESS}", "/registries/4/invitees/private.person%40example.test"],
    ids=["plain", "percent-encoded"],
)
def test_an_invitee_route_is_logged_without_its_address(db, caplog, path):
    response = ApiClient().delete(path)  # refused (no credentials): Django logs the 401 with its path
    assert response.status_code == 401
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    message = record.getMessage()
    assert message == "Unauthorized: /registries/4/invitees/[address]"
    assert "private.person" not in message and "example.test" not in message


@pytest.mark.parametrize("name", PATH_LOGGERS)
def test_each_logger_that_writes_paths_redacts(caplog, name):
    caplog.set_level(logging.INFO, logger=name)  # mangum.http is at WARNING unless LOG_LEVEL=DEBUG
    logging.getLogger(name).info('"%s %s" %s', "DELETE", f"/registries/4/invitees/{ADDRESS}?also=a@b.test", 404)
    (record,) = caplog.records
    assert record.getMessage() == '"DELETE /registries/4/invitees/[address]?also=[address]" 404'


def test_a_post_password_in_the_query_is_redacted(caplog):
    logging.getLogger("django.server").warning('"%s" %s', "GET /registries/4?password=s3cret&x=1 HTTP/1.1", 200)
    (record,) = caplog.records
    assert record.getMessage() == '"GET /registries/4?password=[password]&x=1 HTTP/1.1" 200'


def test_other_messages_are_left_as_they_are(caplog):
    logging.getLogger("django.request").warning("Not Found: %s", "/items/12")
    (record,) = caplog.records
    assert (record.msg, record.args) == ("Not Found: %s", ("/items/12",))
