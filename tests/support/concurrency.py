"""Running the same work in two threads at once, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def at_the_same_time(work: Callable[[], T], *, times: int = 2) -> list[T]:
    """What `work()` returned in each of `times` threads started together (a barrier), in the
    order they finished. Each thread closes its connection; needs a transactional test."""
    barrier = threading.Barrier(times)
    results: list[T] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
