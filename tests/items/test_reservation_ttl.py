"""RESERVATION_TTL (D10): seconds a reservation holds its units, seven days
unless set; a value that would make reservations hold nothing, or outlive any
event, stops the process at start-up instead of answering 500s later."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.project import fresh_settings


def test_seven_days_unless_set(monkeypatch):
    assert fresh_settings(monkeypatch, RESERVATION_TTL=None)["RESERVATION_TTL"] == 604800
    assert fresh_settings(monkeypatch, RESERVATION_TTL="3600")["RESERVATION_TTL"] == 3600


@pytest.mark.parametrize("value", ["0", "-5", "31622401", "99999999999999"])
def test_a_ttl_out_of_bounds_stops_the_start(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="RESERVATION_TTL must be 1 to 31622400 seconds"):
        fresh_settings(monkeypatch, RESERVATION_TTL=value)


def test_a_ttl_that_is_not_a_number_stops_the_start(monkeypatch):
    with pytest.raises(ValueError, match="seven"):
        fresh_settings(monkeypatch, RESERVATION_TTL="seven")
