"""Page -> article work done off the reactor: extract, classify and strip one page.

Runs in worker processes (CPU-bound trafilatura/lxml would otherwise stall the downloads), so
it returns plain data: exceptions do not cross the process boundary intact.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.connection
import os
import threading
from typing import Any

from crawler.detect import classify
from dedupe.boilerplate import Patterns, load_patterns, strip
from dedupe.errors import NotAnArticle
from dedupe.text import extract


def leave_with_parent() -> None:
    """Worker initializer: exit when the crawl process is gone. A pool's workers otherwise wait
    for work forever once their parent is killed (kill -9 by a scheduler, an OOM kill)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent.sentinel,), daemon=True).start()


def _exit_after(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


@functools.lru_cache(maxsize=64)
def _patterns(extra: tuple[str, ...]) -> Patterns:
    return load_patterns(extra)


def process_page(
    html: str,
    url: str,
    site: str,
    max_bytes: int,
    extra_patterns: tuple[str, ...] = (),
    listed_shape: bool = False,
) -> dict[str, Any]:
    """{'outcome': 'article' | 'listing' | 'other' | 'unusable', 'reason': ..., ...}."""
    try:
        fields = extract(html, url, max_bytes=max_bytes)
    except NotAnArticle as err:
        return {"outcome": "unusable", "reason": err.reason}
    kind, reason = classify(fields.get("signals") or {}, listed_shape)
    if kind != "article":
        return {"outcome": kind, "reason": reason}
    stripped = strip(fields["raw_text"], _patterns(tuple(extra_patterns)), site=site)
    return {
        "outcome": "article",
        "reason": reason,
        "fields": fields,
        "text": stripped.text,
        "removed": stripped.removed,
    }
