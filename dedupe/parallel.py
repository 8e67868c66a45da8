"""Both cores for work made of independent items (the machine a crawl runs on has a few)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_WORK: list = []  # (func, items) a forked process reads: inherited, not pickled


def _every_other(start: int) -> list:
    func, items = _WORK[0]
    return [func(item) for item in items[start::2]]


def map_on_two_cores(func: Callable[[Any], Any], items: Sequence, minimum: int) -> list:
    """[func(item) for item in items], in order; with at least `minimum` items and two cores, a
    forked process takes every other item. It inherits func's data from this process (nothing
    is sent but the results, which must pickle), so func may be a closure."""
    if len(items) < minimum or (os.cpu_count() or 1) < 2 or os.name != "posix":
        return [func(item) for item in items]
    _WORK[:] = [(func, items)]
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            odd = pool.submit(_every_other, 1)
            even = _every_other(0)
            odd = odd.result()
    finally:
        _WORK.clear()
    out: list = [None] * len(items)
    out[0::2], out[1::2] = even, odd
    return out
