"""serverless.yml as the tests and the deploy checks (scripts/check_limits.py) read it."""

import re
from pathlib import Path

SERVERLESS_YML = Path(__file__).resolve().parents[2] / "serverless.yml"


def serverless_default(param: str) -> str:
    """The default serverless.yml gives a param: `name: ${env:REGISTRY_..., 'default'}`."""
    found = re.search(rf"^\s+{param}: \$\{{env:\w+, '([^']*)'\}}", SERVERLESS_YML.read_text(), re.MULTILINE)
    assert found is not None, f"serverless.yml has no default for {param}"
    return found[1]
