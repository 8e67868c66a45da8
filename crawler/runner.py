"""Run one crawl in this process: the entry point the command line uses."""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import BaseSettings, Settings

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
    """-s NAME=VALUE pairs, as Scrapy takes them, each value checked (see check_setting)."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"setting {pair!r} is not NAME=VALUE (e.g. -s DOWNLOAD_DELAY=2)")
        overrides[name.strip()] = value
    defaults = Settings()
    defaults.setmodule(default_settings, priority="project")
    for name, value in overrides.items():
        check_setting(name, value, defaults.get(name))
    return overrides


def check_setting(name: str, value: str, default: Any) -> None:
    """Refuse a value Scrapy could not read as the type of the setting's default (the project's,
    else Scrapy's): it would fail only once the crawl had started, in a traceback. A setting with
    no default, or a text one, takes any value; a number may have a fraction (some whole-number
    settings, such as DOWNLOAD_TIMEOUT, are read as numbers)."""
    if name in WHOLE_NUMBER_SETTINGS:
        kind = "a whole number"
        valid = value.strip() == "" or value.strip().isdigit()
    else:
        if isinstance(default, bool):
            kind, getter = "true or false (1 or 0)", "getbool"
        elif isinstance(default, int | float):
            kind, getter = "a number", "getfloat"
        elif isinstance(default, dict | BaseSettings):
            kind, getter = 'a JSON object such as {"name": 1}', "getdict"
        else:
            return
        try:
            probe = Settings({name: value})  # a dict setting is parsed here already
            getattr(probe, getter)(name)
            valid = True
        except (TypeError, ValueError):
            valid = False
    if not valid:
        raise InputError(f"setting {name}={value!r} is not valid: give {kind}")


# crosspost's own settings whose default ("") means "choose for me" but that take a number.
WHOLE_NUMBER_SETTINGS = frozenset({"CROSSPOST_EXTRACT_WORKERS"})


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
    # A crawl that cannot start (a setting Scrapy cannot use) fails here: kept, not logged
    # as an unhandled traceback, and reported in one line.
    failures: list[BaseException] = []
    started = process.crawl(crawler, sites=sites, state=SQLiteCrawlState(store))
    started.addErrback(lambda failure: failures.append(failure.value))
    status = "failed"
    try:
        process.start()
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        status = "finished" if reason == "finished" else str(reason or "failed")
        if failures:
            status = f"failed to start: {failures[0]}"
    finally:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        try:
            store.finish_run(run_id, status, stats)
        except StoreError as err:  # the disk that stopped the crawl is still full
            stats.setdefault("crosspost/store_error", str(err))
    if failures:
        raise InputError(
            f"the crawl could not start: {type(failures[0]).__name__}: {failures[0]} "
            "(check the -s settings)"
        )
    return stats
