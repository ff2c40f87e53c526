"""Writer processes for tests/items/test_concurrent_writes.py and bench/purchases.py.

Each worker is a Lambda instance of its own: a separate OS process that
imports the real handler (`registry_api.lambda_handler.handler`, a cold start) and
serves API Gateway v2 events built by tests/support/events.py. Its database and its
WordPress come from the environment, as on Lambda: DATABASE_PATH or
DATABASE_URL, MIGRATE_ON_START, WP_BASE_URL (a loopback stand-in run by the
parent: respx would not cross the process boundary).

The parent (`WorkerPool`) starts them once, waits until every one is warm,
then sends each a JSON command on stdin; the workers start writing at the
same moment and each answers one JSON line: the statuses it got, any
unexpected answer, how many database connections the requests opened, and
what the service acknowledged. Commands:

    {"op": "purchases", "item_id": 7, "count": 200, "quantity": 1, "authorization": "Basic ..."}
    {"op": "ledger", "item_id": 7, "count": 100, "seed": 3, "authorization": "Basic ..."}
    {"op": "crud", "seed": 3, "count": 100, "registry_id": 1}

    python -m tests.support.concurrency_worker   # the child's side; not for people
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AUTHORIZATION_VARIABLE = "WORKER_AUTHORIZATION"  # the Authorization header every request carries


# --- the parent's side -------------------------------------------------------------------


class WorkerPool:
    """`size` warm worker processes sharing one database.

    `argv` starts one worker: by default this module's Lambda instance; any
    program that speaks the same protocol (`serve`) will do.
    """

    def __init__(self, size: int, env: dict[str, str], authorization: str = "", argv: list[str] | None = None) -> None:
        environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DATABASE_PATH")}
        environment.update(env, **{AUTHORIZATION_VARIABLE: authorization})
        self._logs = [tempfile.TemporaryFile(mode="w+") for _ in range(size)]
        self.processes = [
            subprocess.Popen(
                argv or [sys.executable, "-m", "tests.support.concurrency_worker"],
                cwd=ROOT,
                env=environment,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,  # a file: a full stderr pipe would stall a chatty worker
                text=True,
            )
            for log in self._logs
        ]
        started = time.monotonic()
        for process in self.processes:
            self._answer(process)  # {"ready": true}: the cold start is over
        self.cold_start_seconds = time.monotonic() - started

    def run(self, commands: list[dict]) -> list[dict]:
        """Command i to worker i, all sent before any answer is read."""
        assert len(commands) == len(self.processes)
        for process, command in zip(self.processes, commands, strict=True):
            assert process.stdin is not None  # stdin=PIPE: the stubs say it may be None
            process.stdin.write(json.dumps(command) + "\n")
            process.stdin.flush()
        return [self._answer(process) for process in self.processes]

    def logs(self) -> list[str]:
        """What each worker wrote to stderr so far (its log)."""
        texts = []
        for log in self._logs:
            log.seek(0)
            texts.append(log.read())
        return texts

    def _answer(self, process: subprocess.Popen[str]) -> dict:
        assert process.stdout is not None  # stdout=PIPE
        line = process.stdout.readline()
        if not line:
            log = self.logs()[self.processes.index(process)]
            raise RuntimeError(f"worker {process.pid} exited ({process.wait()}):\n{log[-4000:]}")
        return json.loads(line)

    def close(self) -> None:
        for process in self.processes:
            assert process.stdin is not None  # stdin=PIPE
            process.stdin.close()  # end of input: the worker exits
        for process in self.processes:
            process.wait(timeout=30)
        for log in self._logs:
            log.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- the child's side --------------------------------------------------------------------


class Lambda:
    """The real handler, called as Lambda calls it."""

    def __init__(self) -> None:
        import asyncio

        # Mangum runs each event on asyncio.get_event_loop(); a fresh process has none set.
        asyncio.set_event_loop(asyncio.new_event_loop())
        from django.db.backends.signals import connection_created

        from registry_api.lambda_handler import handler
        from tests.support.events import http_v2_event

        # Connected after the cold start: counts what requests open (CONN_MAX_AGE).
        connection_created.connect(self._count_connection, weak=False)
        self.connections_opened = 0
        self.handler = handler
        self.event = http_v2_event
        self.authorization = os.environ[AUTHORIZATION_VARIABLE]
        self.statuses: Counter[int] = Counter()
        self.unexpected: list[dict] = []
        self.latencies: list[float] = []

    def call(
        self, method: str, path: str, body: dict, expected: tuple[int, ...], authorization: str | None = None
    ) -> dict | None:
        """The JSON body of an expected answer; anything else is recorded as unexpected.
        `authorization`: another caller's header than the worker's own."""
        event = self.event(method, path, body=body, headers={"Authorization": authorization or self.authorization})
        started = time.perf_counter()
        response = self.handler(event, None)
        self.latencies.append(time.perf_counter() - started)
        self.statuses[response["statusCode"]] += 1
        if response["statusCode"] not in expected:
            if len(self.unexpected) < 5:
                self.unexpected.append(
                    {"request": f"{method} {path}", "status": response["statusCode"], "body": response["body"][:500]}
                )
            return None
        return json.loads(response["body"])

    def _count_connection(self, **kwargs) -> None:
        self.connections_opened += 1

    def report(self, **results) -> dict:
        report = {"statuses": {str(code): n for code, n in self.statuses.items()}, "unexpected": self.unexpected,
                  "latencies": self.latencies, "connections_opened": self.connections_opened, **results}  # fmt: skip
        self.statuses, self.unexpected, self.latencies, self.connections_opened = Counter(), [], [], 0
        return report


def purchase(api: Lambda, item_id: int, quantity: int, authorization: str | None, refusals: Counter) -> dict | None:
    """One POST /items/{id}/purchase: the item a 200 answered, or None for a 409
    (counted in `refusals` by its detail: sold out, nothing to undo) or an
    unexpected answer (which `api` records)."""
    body = api.call(
        "POST", f"/items/{item_id}/purchase", {"quantity": quantity}, expected=(200, 409), authorization=authorization
    )
    if body is None:
        return None
    if "data" in body:
        return body["data"]
    refusals[body["detail"]] += 1
    return None


def purchases(api: Lambda, item_id: int, count: int, quantity: int = 1, authorization: str | None = None) -> dict:
    """`count` purchases of one item (negative `quantity`: undos), as the worker's
    caller or as `authorization`'s; 409 (sold out, nothing to undo) is an expected answer."""
    highest = 0  # the largest quantity_purchased a 200 reported
    refusals: Counter = Counter()
    for _ in range(count):
        if (item := purchase(api, item_id, quantity, authorization, refusals)) is not None:
            highest = max(highest, item["quantity_purchased"])
    return api.report(highest=highest, refusals=refusals)


def ledger(api: Lambda, item_id: int, count: int, seed: int, authorization: str) -> dict:
    """`count` purchases and undos of one item, 1 or 2 at a time, as one caller
    (`authorization`); 409 (sold out, nothing of theirs to undo) is an expected
    answer. Returns the caller's net purchases as the service acknowledged them."""
    rng = random.Random(seed)
    net = 0
    refusals: Counter = Counter()
    for _ in range(count):
        quantity = rng.choice((1, 2)) * (1 if rng.random() < 0.55 else -1)
        if purchase(api, item_id, quantity, authorization, refusals) is not None:
            net += quantity
    return api.report(net=net, refusals=refusals)


def crud(api: Lambda, seed: int, count: int, registry_id: int) -> dict:
    """A random mix of creates, updates and soft deletes of this worker's own items.

    Returns each item's state as the service acknowledged it: the values of
    the last write that got a success answer.
    """
    rng = random.Random(seed)
    acknowledged: dict[int, dict] = {}
    for n in range(count):
        live = [item_id for item_id, row in acknowledged.items() if row["is_active"]]
        roll = rng.random()
        if roll < 0.5 or not live:
            row = {
                "name": f"worker {seed} item {n}",
                "notes": f"created by {seed} at {n}",
                "quantity_needed": rng.randint(1, 50),
            }
            body = api.call(
                "POST",
                "/items",
                {**row, "registry_id": registry_id, "url": "https://example.com/gift"},
                expected=(201,),
            )
            if body is not None:
                acknowledged[body["data"]["id"]] = {**row, "is_active": True}
        elif roll < 0.8:
            item_id = rng.choice(live)
            change = {"notes": f"updated by {seed} at {n}", "quantity_needed": rng.randint(1, 50)}
            if api.call("PUT", f"/items/{item_id}", change, expected=(200,)) is not None:
                acknowledged[item_id].update(change)
        else:
            item_id = rng.choice(live)
            if api.call("DELETE", f"/items/{item_id}", {}, expected=(200,)) is not None:
                acknowledged[item_id]["is_active"] = False
    return api.report(items=acknowledged)


def serve(api, commands: dict) -> None:
    """The child's side of the protocol: "ready" once warm, then one answer per
    command, with the CPU time the command took (every thread of the process)."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        operation = commands[command.pop("op")]
        started = time.process_time()
        answer = operation(api, **command)
        print(json.dumps({**answer, "cpu_seconds": time.process_time() - started}), flush=True)


if __name__ == "__main__":
    serve(Lambda(), {"purchases": purchases, "ledger": ledger, "crud": crud})
