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
from crawler.structure import analyse
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
    """{'outcome': 'article' | 'listing' | 'other' | 'unusable', 'reason': ..., ...}.

    A listing also gives the `targets` its items lead to; a page that would be an article if its
    URL had the shape of the site's articles is marked `needs_shape` and keeps its fields, so
    that the crawl can decide it once it knows all the site's feeds, sitemaps and listings.
    """
    try:
        fields = extract(html, url, max_bytes=max_bytes)
    except NotAnArticle as err:
        return {"outcome": "unusable", "reason": err.reason}
    structure = analyse(html, url, fields["raw_text"])
    signals = {**(fields.get("signals") or {}), **structure.signals()}
    kind, reason = classify(signals, listed_shape)
    if kind == "listing":
        return {"outcome": kind, "reason": reason, "targets": structure.targets}
    if kind != "article":
        result = {"outcome": kind, "reason": reason}
        if classify(signals, listed_shape=True)[0] == "article":
            result["needs_shape"] = True
            result["later"] = _article(fields, site, extra_patterns, "listed-url-shape")
        return result
    return _article(fields, site, extra_patterns, reason)


def _article(fields: dict, site: str, extra_patterns: tuple[str, ...], reason: str) -> dict:
    stripped = strip(fields["raw_text"], _patterns(tuple(extra_patterns)), site=site)
    return {
        "outcome": "article",
        "reason": reason,
        "fields": fields,
        "text": stripped.text,
        "removed": stripped.removed,
    }
