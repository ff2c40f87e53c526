"""The README's first screen: what a newcomer needs to run, stop and test the
service, and no timing figures (they go further down)."""

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
FIRST_SCREEN = "\n".join(README.splitlines()[:40])


def test_the_first_two_commands_are_run_and_test():
    # CI runs the test command; a newcomer copies the first block.
    blocks = re.findall(r"^```sh\n(.*?)^```$", README, re.S | re.M)
    assert [block.strip() for block in blocks[:2]] == ["bash scripts/run.sh", "bash scripts/test.sh"]


def test_the_first_screen_holds_the_run_stop_and_test_commands_and_the_deploy_pointer():
    for command in ["bash scripts/run.sh\n", "`bash scripts/run.sh stop`", "bash scripts/test.sh\n"]:
        assert command in FIRST_SCREEN, command
    assert FIRST_SCREEN.index("bash scripts/run.sh\n") < FIRST_SCREEN.index("`bash scripts/run.sh stop`")
    assert "## Deploy" in FIRST_SCREEN and "docs/deploy.md" in FIRST_SCREEN.split("## Deploy", 1)[1]


def test_the_first_screen_has_no_timing_figures():
    timings = re.findall(
        r"\d+(?:[.,–-]\d+)*\s*(?:s|ms|sec|secs|seconds?|min|mins|minutes?|hours?)\b|\b(?:seconds?|minutes?|milliseconds?)\b",
        FIRST_SCREEN,
        re.I,
    )
    assert timings == []
