"""The environment the suite's processes run in, set before Django reads its settings.

The suite runs as production does, with DEBUG off, so the service refuses to
start with a known secret (registry_api/checks.py): the tests bring their own
SECRET_KEY, which the processes they start (subprocesses, serverless-offline)
inherit.

Loaded with `-p tests.environment` (pyproject's addopts): plugins load before
pytest-django imports the settings, conftest.py after.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-any-deployment-0123456789")
