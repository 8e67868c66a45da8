"""Run one crawl in this process: the entry point the command line uses."""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.sitelist import SiteConfig
from crawler.spiders.sites import SitesSpider
from crawler.state import SQLiteCrawlState
from dedupe.errors import InputError, StoreError
from dedupe.store import Store


def crawl_settings(db_path: str, overrides: dict[str, Any] | None = None) -> Settings:
    """The project's settings, the database, then the user's -s NAME=VALUE overrides."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("CROSSPOST_DB", str(db_path), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    if "USER_AGENT" not in (overrides or {}):
        contact = settings.get("CROSSPOST_CONTACT")
        settings.set(
            "USER_AGENT",
            f"crosspost/{version('crosspost')} (research crawler; +{contact})",
            priority="cmdline",
        )
    return settings


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """-s NAME=VALUE pairs, as Scrapy takes them."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"setting {pair!r} is not NAME=VALUE (e.g. -s DOWNLOAD_DELAY=2)")
        overrides[name.strip()] = value
    return overrides


def run_crawl(
    sites: list[SiteConfig],
    store: Store,
    overrides: dict[str, Any] | None = None,
    verbose: bool = False,
) -> dict[str, Any]:
    """Crawl the sites into the store; returns Scrapy's stats. One crawl per process (Twisted).

    Logs go through the caller's logging set-up (quiet unless verbose or -s LOG_LEVEL=...).
    """
    quiet = {"LOG_LEVEL": "INFO" if verbose else "WARNING", "LOG_INSTALL_ROOT_HANDLER": False}
    settings = crawl_settings(str(store.path), quiet | (overrides or {}))
    run_id = store.start_run(
        dict(overrides or {}) | {"USER_AGENT": settings.get("USER_AGENT")},
        len(sites),
    )
    process = CrawlerProcess(settings)
    # Scrapy's logging set-up puts its loggers at DEBUG; hold them to LOG_LEVEL.
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))
    crawler = process.create_crawler(SitesSpider)
    process.crawl(crawler, sites=sites, state=SQLiteCrawlState(store))
    status = "failed"
    try:
        process.start()
        reason = crawler.stats.get_value("finish_reason")
        status = "finished" if reason == "finished" else str(reason)
    finally:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        try:
            store.finish_run(run_id, status, stats)
        except StoreError as err:  # the disk that stopped the crawl is still full
            stats.setdefault("crosspost/store_error", str(err))
    return stats
