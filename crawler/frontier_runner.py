"""Run one process of a distributed crawl (crawler/distributed.py): the writer or a worker."""

from __future__ import annotations

import logging
import time
import warnings

import redis

from crawler.frontier import Frontier, RedisCrawlState, connect
from crawler.sitelist import SiteConfig
from dedupe.errors import InputError
from dedupe.store import Store

logger = logging.getLogger("crawler.distributed")


def frontier_settings(url: str, frontier: Frontier, base) -> dict:
    """The settings that put a crawl process on the shared frontier."""
    keys = frontier.keys
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.frontier.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": url,
        "ITEM_PIPELINES": {"crawler.distributed.FrontierPipeline": 300},
        "SPIDER_MIDDLEWARES": {
            **base.getdict("SPIDER_MIDDLEWARES"),
            "crawler.distributed.LeaseMiddleware": 5,
        },
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.distributed.SharedSlotDownloadHandler",
            "https": "crawler.distributed.SharedSlotDownloadHandler",
        },
        "EXTENSIONS": {
            **base.getdict("EXTENSIONS"),
            "crawler.distributed.FrontierCoordinator": 400,
        },
    }


def run_frontier_crawl(
    sites: list[SiteConfig],
    sites_digest: str,
    frontier_url: str,
    overrides: dict | None = None,
    verbose: bool = False,
    store: Store | None = None,
    wait: float | None = None,
) -> dict:
    """One process of a distributed crawl: the writer when given a store, else a worker.

    A worker waits for the writer to start a run (at most `wait` seconds; None: for ever), takes
    part until the writer ends it, and returns its stats. Raises InputError when Redis cannot be
    reached or the sites file is not the writer's."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.exceptions import ScrapyDeprecationWarning
    from scrapy.utils.reactor import install_reactor

    from crawler.runner import crawl_settings

    quiet = {"LOG_LEVEL": "INFO" if verbose else "WARNING", "LOG_INSTALL_ROOT_HANDLER": False}
    settings = crawl_settings(str(store.path) if store else "", quiet | (overrides or {}))
    lease_seconds = settings.getfloat("CROSSPOST_LEASE_SECONDS")
    if lease_seconds < 1:
        raise InputError("setting CROSSPOST_LEASE_SECONDS must be 1 or more (seconds)")
    client = connect(frontier_url)
    frontier = Frontier(
        client,
        lease_seconds=lease_seconds,
        name=settings.get("CROSSPOST_PROCESS_NAME", ""),
    )
    settings.setdict(frontier_settings(frontier_url, frontier, settings), priority="cmdline")
    # Scrapy's reactor first: crawler.distributed imports modules that import the reactor.
    install_reactor(settings["TWISTED_REACTOR"])
    # scrapy-redis 0.9 passes spider= to the stats (deprecated in Scrapy 2.13, still works).
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    from crawler.distributed import FrontierSpider, Writer

    process = CrawlerProcess(settings)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_no_redis_tracebacks)

    writer = None
    run_id = None
    try:
        if store is not None:
            if not frontier.claim_writer(wait=frontier.lease_ms / 1000 + 2):
                holder = (client.get(frontier.keys.writer) or b"?").decode()
                raise InputError(
                    f"another writer ({holder}) is storing this crawl: one writer per frontier "
                    "(give this database another Redis database, redis://HOST:PORT/N)"
                )
            writer = Writer(frontier, store, sites)
            if writer.begin_run(sites_digest):
                logger.warning("taking up the unfinished crawl in %s", frontier_url)
            run_id = store.start_run(dict(overrides or {}) | {"frontier": frontier_url}, len(sites))
        else:
            _wait_for_run(frontier, wait)
            frontier.check_sites(sites_digest)
    except redis.RedisError as err:
        raise InputError(f"cannot use Redis at {frontier_url}: {err}") from err

    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))
    crawler = process.create_crawler(FrontierSpider)
    failures: list[BaseException] = []
    started = process.crawl(
        crawler,
        sites=sites,
        state=RedisCrawlState(frontier),
        frontier=frontier,
        writer=writer,
    )
    started.addErrback(lambda failure: failures.append(failure.value))
    status = "failed"
    try:
        process.start()
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        status = "finished" if reason == "finished" else str(reason or "failed")
    finally:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        try:
            stats["crosspost/frontier_load"] = frontier.load()
            frontier.release_writer()
        except redis.RedisError:
            pass
        if store is not None and run_id is not None:
            store.finish_run(run_id, status, stats)
    if failures:
        raise InputError(f"the crawl could not start: {type(failures[0]).__name__}: {failures[0]}")
    return stats


def _wait_for_run(frontier: Frontier, wait: float | None) -> None:
    deadline = None if wait is None else time.monotonic() + wait
    announced = False
    while frontier.run_status() != "running":
        if deadline is not None and time.monotonic() >= deadline:
            raise InputError("no crawl is running in this frontier (start the writer first)")
        if not announced:
            logger.warning("waiting for the writer to start a crawl ...")
            announced = True
        time.sleep(0.2)


def _no_redis_tracebacks(record: logging.LogRecord) -> bool:
    """Redis lost mid-crawl fails every callback at once: the crawl stops (FrontierCoordinator)
    and the command line says why in one line, without a traceback for each."""
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, redis.RedisError)
