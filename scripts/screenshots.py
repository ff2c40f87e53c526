"""Screenshots of the admin and the API docs in a real headless browser (Debian's chromium).

    python scripts/screenshots.py --base http://127.0.0.1:8000 --credentials CREDENTIALS_FILE [--out screenshots]

CREDENTIALS_FILE is the one scripts/wordpress.sh writes: the admin logs in as
WP_ADMIN_USER, and WP_ALICE_USER (not an administrator) shows a refused login.

scripts/screenshots.sh starts everything this needs and calls it. The browser
is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no
port, no websocket library): it logs into the admin through the login form as
a person would, so the session, its cookies and their flags are the real ones.
Every request the browser makes is recorded; the run fails if any went
anywhere but the API's own host (the docs must work offline; one the page's
Content-Security-Policy stopped in the browser is reported, not counted), or
if a page did not show what it should.
"""

import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-pipe",
]
VIEWPORT = {"width": 1366, "height": 850, "deviceScaleFactor": 1, "mobile": False}


class Browser:
    """Chromium, spoken to over its DevTools pipe (commands on fd 3, answers on fd 4)."""

    def __init__(self, executable: str, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="screenshots-chromium-")
        commands_r, self._commands = os.pipe()
        self._answers, answers_w = os.pipe()

        def pipes_on_3_and_4() -> None:
            # Through fds above 4 first: a pipe may itself be on 3 or 4.
            commands, answers = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_r, answers_w))
            os.dup2(commands, 3)  # os.dup2 makes them inheritable
            os.dup2(answers, 4)

        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=pipes_on_3_and_4,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_r)
        os.close(answers_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.requested: dict[str, str] = {}  # request id -> URL, of every request the pages made
        self.blocked: set[str] = set()  # request ids the browser itself blocked (Content-Security-Policy)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._answers)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._answers], [], [], remaining)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                raise OSError("chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        decoded = json.loads(message)
        params = decoded.get("params", {})
        if decoded.get("method") == "Network.requestWillBeSent":
            self.requested[params["requestId"]] = params["request"]["url"]
        elif decoded.get("method") == "Network.loadingFailed" and params.get("blockedReason"):
            self.blocked.add(params["requestId"])
        return decoded

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def wait_for(self, event: str, session: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for index, seen in enumerate(self.events):
                if seen.get("method") == event and seen.get("sessionId") == session:
                    return self.events.pop(index)
            answer = self._read_message(deadline)
            if "method" in answer:
                self.events.append(answer)


class Page:
    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", VIEWPORT)

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def load(self, action) -> None:
        """Run `action` (which starts a navigation) and wait for the new page's load event."""
        self.browser.events = [event for event in self.browser.events if event.get("method") != "Page.loadEventFired"]
        action()
        self.browser.wait_for("Page.loadEventFired", self.session)

    def goto(self, url: str) -> None:
        self.load(lambda: self.send("Page.navigate", {"url": url}))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, expression: str, what: str) -> None:
        deadline = time.monotonic() + self.browser.timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never showed {what}")
            time.sleep(0.2)

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        print(f"  {path}")

    def log_in(self, base: str, login: str, password: str) -> None:
        self.goto(f"{base}/admin/login/?next=/admin/items/item/")
        self.evaluate(
            f"document.getElementById('id_username').value = {json.dumps(login)};"
            f"document.getElementById('id_password').value = {json.dumps(password)};"
        )
        self.load(lambda: self.evaluate("document.getElementById('login-form').submit()"))


def take(args) -> list[str]:
    """Take every screenshot; the problems found on the way."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    browser = Browser(args.chromium)
    try:
        page = Page(browser)
        base = args.base.rstrip("/")

        page.goto(f"{base}/docs")
        page.wait_until("document.querySelectorAll('.opblock').length > 0", "Swagger UI's operations")
        page.screenshot(out / "docs.png")
        page.goto(f"{base}/redoc")
        page.wait_until("document.querySelector('.api-content') !== null", "Redoc's content")
        page.screenshot(out / "redoc.png")

        page.log_in(base, args.refused_login, args.refused_password)
        if not page.evaluate("document.querySelector('.errornote') !== null"):
            problems.append(f"the login page gave {args.refused_login} no reason")
        page.screenshot(out / "admin-login-refused.png")

        page.log_in(base, args.login, args.password)
        if not page.evaluate("location.pathname === '/admin/items/item/'"):
            problems.append(f"logging in as {args.login} did not reach the changelist")
        page.screenshot(out / "admin-changelist.png")
        cookies = page.send("Network.getCookies", {"urls": [base]})["cookies"]
        for cookie in cookies:
            print(f"  cookie {cookie['name']}: secure={cookie['secure']} httpOnly={cookie['httpOnly']}")
        page.goto(f"{base}/admin/items/item/?is_active__exact=0")
        page.screenshot(out / "admin-changelist-inactive.png")
        first = page.evaluate("document.querySelector('#result_list tbody a')?.href")
        if first:
            page.goto(first)
            page.screenshot(out / "admin-item.png")
        page.goto(f"{base}/admin/items/item/add/")
        page.screenshot(out / "admin-add-forbidden.png")
        status = page.evaluate("document.title")
        if "403" not in status:
            problems.append(f"the add page answered {status!r}, not 403")
    finally:
        browser.close()

    own = urlsplit(args.base).netloc
    for request_id, url in browser.requested.items():
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            if request_id in browser.blocked:
                print(f"  blocked by the page's Content-Security-Policy: {url}")
            else:
                problems.append(f"the browser asked another host: {url}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the API's base URL")
    parser.add_argument("--credentials", required=True, help="the credentials file of scripts/wordpress.sh")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    values = dict(line.split("=", 1) for line in Path(args.credentials).read_text().splitlines() if "=" in line)
    args.login, args.password = values["WP_ADMIN_USER"], values["WP_ADMIN_APP_PASSWORD"]
    args.refused_login, args.refused_password = values["WP_ALICE_USER"], values["WP_ALICE_APP_PASSWORD"]
    print(f"screenshots into {args.out}/:")
    problems = take(args)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
