"""The environment the suite's Django runs in: scripts/run.sh's, with the admin on
(ADMIN_ENABLED is off by default, and on Lambda). Tests of Lambda's configuration
set it off themselves.

Loaded with `-p tests.environment` (pyproject's addopts), before pytest-django
reads the settings; subprocesses the tests start inherit it unless they set it.
"""

import os

os.environ.setdefault("ADMIN_ENABLED", "true")
