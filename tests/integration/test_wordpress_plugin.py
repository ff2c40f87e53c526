"""The mu-plugin's promises (custom post type, meta as strings, capabilities,
invitee reads), checked straight against WordPress by tests/wordpress/smoke.sh."""

import re
import subprocess
from pathlib import Path

SMOKE = Path(__file__).resolve().parents[1] / "wordpress" / "smoke.sh"


def test_mu_plugin_smoke_checks_pass(wordpress):
    credentials = wordpress.run("creds").stdout.strip()
    result = subprocess.run(["bash", str(SMOKE), credentials], capture_output=True, text=True, timeout=300)
    summary = re.search(r"^(\d+) passed, (\d+) failed$", result.stdout, re.MULTILINE)
    assert summary, result.stdout[-2000:] + result.stderr[-2000:]
    passed, failed = map(int, summary.groups())
    assert (failed, result.returncode) == (0, 0), "\n".join(
        line for line in result.stdout.splitlines() if line.startswith("FAIL")
    )
    assert passed >= 50
