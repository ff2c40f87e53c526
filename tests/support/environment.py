"""The environment the suite's processes run in, set before Django reads its settings.

The suite runs as production does, with DEBUG off, so the service refuses to
start with a known secret (registry_api/checks.py): the tests bring their own
SECRET_KEY. The admin is on, as scripts/run.sh has it (ADMIN_ENABLED is off by
default, and on Lambda); tests of Lambda's configuration set it off themselves.
Subprocesses the tests start (serverless-offline...) inherit both unless they set them.

Loaded with `-p tests.support.environment` (pyproject's addopts): plugins load before
pytest-django imports the settings, conftest.py after.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("ADMIN_ENABLED", "true")
