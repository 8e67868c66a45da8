"""What the crawl remembers between runs, behind one small interface.

The spider asks only these questions, so a later shared backend (Redis, for several crawl machines)
can replace the SQLite one without touching the spider.

A kill must not cut discovery: stored articles are never fetched again, so whatever a page led to
is written to the frontier before the page itself counts as done, and a run that follows an
unfinished one starts from that frontier as well as from the home pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from dedupe.store import Store


class CrawlState(Protocol):
    def is_stored(self, url: str) -> bool:
        """An article with this URL is in the database."""

    def was_fetched(self, url: str) -> bool:
        """This URL was fetched by an earlier (or this) run, whatever it turned out to be."""

    def record(self, url: str, site: str, kind: str, status: int, reason: str = "") -> None:
        """Remember a fetched page and what it was (article, listing, other, print, ...); it
        leaves the frontier."""

    def remember(self, site: str, entries: Iterable[tuple[str, int]]) -> None:
        """Pages (url, hops) this run is about to fetch: the frontier, kept until each is
        recorded or settled, so that the run after a killed one fetches them."""

    def frontier(self, site: str) -> list[tuple[str, int]]:
        """Pages an unfinished run of this site found and did not fetch."""

    def settle(self, url: str) -> None:
        """A page of the frontier gave nothing to record (4xx, refused by robots.txt)."""

    def site_was_complete(self, site: str) -> bool:
        """The previous crawl of this site ran to its end (so this one may stop early)."""

    def begin_site(self, site: str) -> None:
        """A crawl of this site starts: until it ends, it counts as incomplete."""

    def finish_site(self, site: str) -> None:
        """The crawl of this site ran to its end: its frontier is empty."""


class SQLiteCrawlState:
    """CrawlState kept in the research database itself (tables _pages, _frontier and _meta)."""

    def __init__(self, store: Store):
        self.store = store
        self._stored = store.known_urls()
        self._fetched = set(store.fetched_pages())
        self._complete: dict[str, bool] = {}

    def is_stored(self, url: str) -> bool:
        return url in self._stored

    def was_fetched(self, url: str) -> bool:
        return url in self._fetched

    def record(self, url: str, site: str, kind: str, status: int, reason: str = "") -> None:
        self.store.record_page(url, site, kind, status, reason)
        self._fetched.add(url)
        if kind == "article":
            self._stored.add(url)

    def remember(self, site: str, entries: Iterable[tuple[str, int]]) -> None:
        entries = list(entries)
        if entries:
            self.store.add_frontier(site, entries)

    def frontier(self, site: str) -> list[tuple[str, int]]:
        return self.store.frontier(site)

    def settle(self, url: str) -> None:
        self.store.settle_frontier(url)

    def site_was_complete(self, site: str) -> bool:
        if site not in self._complete:
            self._complete[site] = self.store.get_meta(f"crawl_complete:{site}") == "1"
        return self._complete[site]

    def begin_site(self, site: str) -> None:
        self.site_was_complete(site)
        self.store.set_meta(f"crawl_complete:{site}", "0")

    def finish_site(self, site: str) -> None:
        self.store.clear_frontier(site)
        self.store.set_meta(f"crawl_complete:{site}", "1")
        self.store.mark_crawled(site)
