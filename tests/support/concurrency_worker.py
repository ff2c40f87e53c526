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
    {"op": "mixed", "item_id": 7, "count": 150, "seed": 3, "authorization": "Basic ..."}
    {"op": "use_reservations", "uses": [[7, 12, "buy"], [8, 13, "cancel"], ...], "authorization": "Basic ..."}

    python -m tests.support.concurrency_worker   # the child's side; not for people
"""

from __future__ import annotations

import json
import os
import random
import re
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


# The mix of `mixed`: each operation's share of the requests.
# "stray": what the service must refuse (a reservation used up or cancelled:
# 404; a guest's undo beyond what they bought: 409).
MIX = {"reserve": 0.2, "buy": 0.1, "buy-reserved": 0.25, "undo": 0.25, "cancel": 0.1, "stray": 0.05, "read": 0.05}
ONLY_LEFT = re.compile(r"Only (\d+) left")
RESERVATION_NOT_FOUND = "Reservation not found"


class Mixer:
    """One caller's side of `mixed`: what it asks, and what it believes the
    service holds for it, from the answers alone."""

    def __init__(self, api: Lambda, item_id: int, authorization: str) -> None:
        self.api, self.item_id, self.authorization = api, item_id, authorization
        self.net = 0  # units bought less units undone, from 200s
        self.held: dict[int, int] = {}  # every reservation made -> the units it still holds
        self.outcomes: Counter[str] = Counter()  # "operation answer", e.g. "buy-reserved done"
        self.refusals: Counter[str] = Counter()  # the details of 409s and 404s
        self.violations: list[str] = []

    def violation(self, text: str) -> None:
        if len(self.violations) < 20:
            self.violations.append(text)

    def ask(
        self, operation: str, method: str, path: str, body: dict, expected: tuple[int, ...]
    ) -> tuple[dict | None, str | None]:
        """(the data of a success answer, None), or (None, the refusal's detail);
        (None, None) for an unexpected answer, which `api` records."""
        answer = self.api.call(method, path, body, expected=expected, authorization=self.authorization)
        if answer is None:
            self.outcomes[f"{operation} unexpected"] += 1
            return None, None
        if "data" in answer:
            self.outcomes[f"{operation} done"] += 1
            return answer["data"], None
        detail = answer["detail"]
        self.refusals[detail] += 1
        self.outcomes[f"{operation} {'Only K left' if ONLY_LEFT.fullmatch(detail) else detail}"] += 1
        return None, detail

    def check_item(self, item: dict, after: str) -> None:
        """What every item answer must show: nothing oversold, and this caller's own reserved units at least."""
        bought, reserved, needed = item["quantity_purchased"], item["quantity_reserved"], item["quantity_needed"]
        if not (0 <= bought and 0 <= reserved and bought + reserved <= needed):
            self.violation(f"after {after}: purchased {bought} + reserved {reserved} > {needed} needed")
        if reserved < sum(self.held.values()):
            self.violation(f"after {after}: reserved {reserved}, this caller alone holds {sum(self.held.values())}")

    def buy(self, quantity: int, reservation_id: int | None = None, operation: str = "") -> None:
        """A purchase (negative `quantity`: an undo), with a reservation of the caller's if given."""
        operation = operation or ("undo" if quantity < 0 else "buy" if reservation_id is None else "buy-reserved")
        body = {"quantity": quantity}
        if reservation_id is not None:
            body["reservation_id"] = reservation_id
        holding = self.held.get(reservation_id, 0) if reservation_id is not None else 0
        if reservation_id is not None and not holding:
            operation = "buy-gone"  # a reservation used up or cancelled: 404 expected
        path = f"/items/{self.item_id}/purchase"
        item, refusal = self.ask(operation, "POST", path, body, expected=(200, 404, 409))
        if item is not None:
            if reservation_id is not None:
                if not holding:
                    self.violation(f"bought {quantity} with reservation {reservation_id}, which held nothing")
                self.held[reservation_id] = max(holding - quantity, 0)
            self.net += quantity
            self.check_item(item, f"{operation} {quantity:+d}")
        elif refusal == RESERVATION_NOT_FOUND:
            if holding:
                self.violation(f"{operation} {quantity:+d}: reservation {reservation_id} holding {holding} not found")
        elif (left := ONLY_LEFT.fullmatch(refusal or "")) and quantity > 0:
            # K counts the units of the caller's reservation, which it refused to take.
            if not holding <= int(left[1]) < quantity:
                self.violation(f"{operation} {quantity:+d} refused: {refusal} (holding {holding})")
        elif refusal is not None and not (refusal == "Nothing to undo" and quantity < 0):
            self.violation(f"{operation} {quantity:+d} refused: {refusal}")

    def reserve(self, quantity: int) -> None:
        path = f"/items/{self.item_id}/reservations"
        reservation, refusal = self.ask("reserve", "POST", path, {"quantity": quantity}, expected=(201, 409))
        if reservation is not None:
            if reservation["quantity"] != quantity or reservation["id"] in self.held:
                self.violation(f"reserved {quantity}: {reservation}")
            self.held[reservation["id"]] = reservation["quantity"]
        elif refusal is not None and not ((left := ONLY_LEFT.fullmatch(refusal)) and int(left[1]) < quantity):
            self.violation(f"reserve {quantity} refused: {refusal}")

    def cancel(self, reservation_id: int) -> None:
        holding = self.held[reservation_id]
        operation = "cancel" if holding else "cancel-gone"
        path = f"/items/{self.item_id}/reservations/{reservation_id}"
        reservation, refusal = self.ask(operation, "DELETE", path, {}, expected=(200, 404))
        if reservation is not None:
            if reservation["quantity"] != holding:
                self.violation(f"cancelled reservation {reservation_id}: held {reservation['quantity']}, not {holding}")
            self.held[reservation_id] = 0
        elif refusal is not None and (refusal != RESERVATION_NOT_FOUND or holding):
            self.violation(f"cancel of reservation {reservation_id} holding {holding} refused: {refusal}")

    def read(self) -> None:
        item, _ = self.ask("read", "GET", f"/items/{self.item_id}", {}, expected=(200,))
        if item is not None:
            self.check_item(item, "read")


def mixed(api: Lambda, item_id: int, count: int, seed: int, authorization: str) -> dict:
    """`count` random operations (seeded, `MIX`) on one item as one caller:
    reservations of 1 or 2 units, purchases of 1 or 2 without a reservation and
    with one of the caller's own that still holds units, undos of what the
    caller bought, cancellations of its own reservations, reads; and a few that
    should be refused: purchases and cancellations with a reservation that holds
    nothing any more (404), undos beyond what the caller bought (409 for a
    guest; the registry's owner and administrators may undo others' purchases).

    Expected refusals: 409 `Only K left` (K below what was asked, and not below
    the units of the caller's reservation a purchase uses), 409 `Nothing to
    undo`, 404 `Reservation not found` for a reservation that holds nothing.
    Every answer that carries the item must show `quantity_purchased +
    quantity_reserved <= quantity_needed`, and at least this caller's own
    reserved units. Anything else is a violation, reported.

    Returns what the service acknowledged: the caller's net purchases, each
    reservation made with the units the caller believes it still holds, and
    every operation's answers (`outcomes`)."""
    rng = random.Random(seed)
    mixer = Mixer(api, item_id, authorization)
    operations, weights = zip(*MIX.items(), strict=True)
    for _ in range(count):
        holding = [rid for rid, units in mixer.held.items() if units]
        gone = [rid for rid, units in mixer.held.items() if not units]
        operation = rng.choices(operations, weights)[0]
        quantity = rng.choice((1, 2))
        if operation == "buy":
            mixer.buy(quantity)
        elif operation == "buy-reserved" and holding:
            mixer.buy(quantity, rng.choice(holding))
        elif operation == "undo" and mixer.net > 0:
            mixer.buy(-min(quantity, mixer.net))
        elif operation == "cancel" and holding:
            mixer.cancel(rng.choice(holding))
        elif operation == "stray" and gone and (roll := rng.random()) < 2 / 3:
            if roll < 1 / 3:
                mixer.buy(quantity, rng.choice(gone))
            else:
                mixer.cancel(rng.choice(gone))
        elif operation == "stray":  # more than the caller bought: a guest's is refused, a manager's takes others' back
            mixer.buy(-(max(mixer.net, 0) + quantity), operation="undo-beyond")
        elif operation == "read":
            mixer.read()
        else:  # a reservation, also when there is none to use
            mixer.reserve(quantity)
    return api.report(net=mixer.net, reservations=mixer.held, outcomes=mixer.outcomes, refusals=mixer.refusals,
                      violations=mixer.violations)  # fmt: skip


def use_reservations(api: Lambda, uses: list[list], authorization: str) -> dict:
    """For each [item id, reservation id, action] in turn: buy 1 unit with the
    reservation ("buy") or cancel it ("cancel"), as `authorization`'s caller.
    Returns each answer: ["done", the units the reservation held] for a
    cancellation, ["done", None] for a purchase, [the refusal's detail, None],
    or ["unexpected", None]."""
    answers = []
    for item_id, reservation_id, action in uses:
        if action == "buy":
            path, body = f"/items/{item_id}/purchase", {"quantity": 1, "reservation_id": reservation_id}
            answer = api.call("POST", path, body, expected=(200, 404, 409), authorization=authorization)
        else:
            path = f"/items/{item_id}/reservations/{reservation_id}"
            answer = api.call("DELETE", path, {}, expected=(200, 404), authorization=authorization)
        if answer is None:
            answers.append(["unexpected", None])
        elif "data" in answer:
            answers.append(["done", answer["data"]["quantity"] if action == "cancel" else None])
        else:
            answers.append([answer["detail"], None])
    return api.report(answers=answers)


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
    serve(
        Lambda(),
        {"purchases": purchases, "ledger": ledger, "crud": crud, "mixed": mixed, "use_reservations": use_reservations},
    )
