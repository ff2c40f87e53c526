"""What a Lambda cold start imports: with
Lambda's settings (ADMIN_ENABLED off) none of the admin's apps, which a cold
start would otherwise pay for; with the admin, its apps as before.
And a SQLite file first migrated on Lambda, without the admin's apps, is
completed by the first process with the admin.

Each check is a fresh process: what matters is what importing the handler loads."""

import pytest

from tests.support.lambda_process import cold_start, imported

ADMIN_APPS = (
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
)
ADMIN_TABLES = {"auth_user", "django_admin_log", "django_content_type", "django_session"}

pytestmark = pytest.mark.sqlite_only(reason="a process on its own SQLite file; the engine makes no difference")


def test_a_lambda_cold_start_imports_none_of_the_admins_apps(tmp_path):
    modules = cold_start(tmp_path / "data.db", admin=False)["modules"]
    for package in ADMIN_APPS:
        assert imported(modules, package) == [], package
    assert "registry_api.lambda_handler" in modules and "wpauth.backends" in modules


def test_with_the_admin_its_apps_are_imported(tmp_path):
    modules = cold_start(tmp_path / "data.db", admin=True)["modules"]
    for package in ("django.contrib.admin", "django.contrib.sessions", "django.contrib.messages"):
        assert imported(modules, package), package
    assert "django.contrib.staticfiles.views" in modules and "wpauth.admin_site" in modules


def test_a_file_migrated_on_lambda_is_completed_by_the_first_process_with_the_admin(tmp_path):
    database = tmp_path / "data.db"
    # The operator's {"manage": "migrate"} on Lambda: the API's tables, none of the admin's.
    on_lambda = cold_start(
        database, admin=False, migrate_on_start=False, extra='result = handler({"manage": "migrate"}, None)'
    )
    assert on_lambda["result"]["exit_status"] == 0, on_lambda["result"]
    assert "items" in on_lambda["tables"] and ADMIN_TABLES.isdisjoint(on_lambda["tables"])
    assert on_lambda["migrated"]
    # Served with the admin: migrating at start-up applies the rest, and the admin answers.
    with_admin = cold_start(
        database,
        admin=True,
        extra='result = handler(http_v2_event("GET", "/admin/login/"), None)["statusCode"]',
    )
    assert ADMIN_TABLES <= set(with_admin["tables"]) and with_admin["migrated"]
    assert with_admin["result"] == 200
    # Back on Lambda, the admin's applied migrations change nothing.
    assert cold_start(database, admin=False, migrate_on_start=False)["migrated"]
