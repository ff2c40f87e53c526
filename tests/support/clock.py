"""A clock the tests move by hand."""

import time


class Clock:
    """Controls `time.time`, which Django's locmem cache reads for expiry."""

    def __init__(self, monkeypatch):
        self.now = time.time()
        monkeypatch.setattr(time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds
