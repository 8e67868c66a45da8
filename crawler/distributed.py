"""One crawl on several machines: the Scrapy pieces around the shared frontier (crawler/frontier.py).

Every process runs FrontierSpider (the usual spider) on scrapy-redis's scheduler and seen-request
filter. Workers fetch, extract and strip, and send what they found to the writer through Redis;
the writer does the same and is also the one process that writes the database: it seeds the
run, stores the messages, and ends the run once nothing is queued, leased or waiting.
"""

from __future__ import annotations

import json
import logging
import pickle
import time

import redis
from scrapy import signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import DontCloseSpider, DropItem
from scrapy.utils.defer import deferred_from_coro, deferred_to_future
from twisted.internet import task

from crawler.frontier import Frontier, RedisShapes
from crawler.items import PageItem
from crawler.pipelines import ArticlePipeline, _meta, article_row, extraction_pool
from crawler.sitelist import SiteConfig
from crawler.spiders.sites import SitesSpider
from crawler.state import SQLiteCrawlState
from dedupe.errors import InputError
from dedupe.store import Store
from dedupe.urls import site_id

logger = logging.getLogger(__name__)


# -- the spider ----------------------------------------------------------------------------------


class FrontierSpider(SitesSpider):
    """SitesSpider on the shared frontier: only the writer's start() seeds the home pages, feeds
    and sitemaps; a request's lease is acknowledged once its callback or errback is done."""

    name = "sites"

    def __init__(self, *args, frontier: Frontier, writer: Writer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.frontier = frontier
        self.writer = writer
        self.shapes = RedisShapes(frontier)
        self.cut_sent: set[str] = set()

    async def start(self):
        if self.writer is None:
            for site in self.site_configs:
                self.incremental[site] = self.state.site_was_complete(site)
            return
        async for request in super().start():
            if request.errback is None:  # a failure must reach failed() to end its lease
                request = request.replace(errback=self.failed)
            yield request

    def follow(self, url: str, site: str, *args, **kwargs):
        request = super().follow(url, site, *args, **kwargs)
        cut = self.crawler.stats.get_value(f"crosspost/max_pages_reached/{site}")
        if request is None and cut and site not in self.cut_sent:
            # Sent before this page's lease ends: the writer must not finish the site.
            self.frontier.redis.sadd(self.frontier.keys.cut, site)
            self.cut_sent.add(site)
        return request

    def failed(self, failure) -> None:
        if failure.check(redis.RedisError):  # Redis is gone: the crawl stops (no page's fault)
            return
        try:
            super().failed(failure)
        finally:
            self.end_lease(failure.request)

    def probe_missed(self, failure) -> None:
        try:
            super().probe_missed(failure)
        finally:
            self.end_lease(failure.request)

    def end_lease(self, request) -> None:
        lease = request.meta.get("lease")
        if lease:
            self.frontier.ack(lease)

    def closed(self, reason: str) -> None:
        """The writer finishes the sites (Writer.finish), once the whole crawl has ended."""


class LeaseMiddleware:
    """Spider middleware: a callback's lease ends when its output has been handed on (requests
    are queued as they come); a page for extraction carries its lease to FrontierPipeline."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _end(self, lease: str | None, handed: bool) -> None:
        if lease and not handed:
            self.crawler.spider.frontier.ack(lease)

    def process_spider_output(self, response, result, spider=None):
        lease, handed = response.meta.get("lease"), False
        try:
            for output in result:
                if lease and isinstance(output, PageItem):
                    output["lease"], handed = lease, True
                yield output
        finally:
            self._end(lease, handed)

    async def process_spider_output_async(self, response, result, spider=None):
        lease, handed = response.meta.get("lease"), False
        try:
            async for output in result:
                if lease and isinstance(output, PageItem):
                    output["lease"], handed = lease, True
                yield output
        finally:
            self._end(lease, handed)


class SharedSlotDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP(S) download handler, which first takes the site's shared slot: at most
    one request per site every DOWNLOAD_DELAY seconds over all the crawl's processes (a key per
    site in Redis, SET NX PX). Taken here, as the request goes out, not in a middleware: Scrapy's
    own per-process delay comes after the middlewares and would shift requests out of step."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.delay_ms = int(crawler.settings.getfloat("DOWNLOAD_DELAY") * 1000)

    async def download_request(self, request):
        if self.delay_ms > 0:
            await self.take_slot(request)
        return await super().download_request(request)

    async def take_slot(self, request) -> None:
        # Imported here: importing the reactor installs one, and Scrapy chooses which.
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        frontier: Frontier = self._crawler.spider.frontier
        key = frontier.keys.slot(request.meta.get("site") or site_id(request.url))
        while not frontier.redis.set(key, frontier.name, nx=True, px=self.delay_ms):
            wait = max(frontier.redis.pttl(key), 1) / 1000
            self._crawler.stats.inc_value("crosspost/shared_delay_seconds", wait)
            await deferred_to_future(deferLater(reactor, wait, lambda: None))


class FrontierPipeline(ArticlePipeline):
    """Extracts and strips each page here, then sends the result to the writer, which decides
    and stores it (FrontierPipeline never touches a database)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.pool = None

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.frontier: Frontier = spider.frontier
        self.stats = self.crawler.stats
        self.max_bytes = self.crawler.settings.getint("DOWNLOAD_MAXSIZE") or 10 * 1024 * 1024
        self.extra_patterns = {s.id: tuple(s.boilerplate) for s in spider.site_configs.values()}
        self.pool = extraction_pool(self.crawler.settings)

    async def process_item(self, item):
        lease = item.get("lease")
        try:
            result = await self.extract(item)
        except Exception:
            if lease:  # a bug, not the page: let the lease run out, another process may retry
                self.frontier.held.discard(lease)
            self.stats.inc_value("crosspost/errors")
            raise
        if result.get("targets"):
            self.crawler.spider.shapes.learn_led(item["site"], result["targets"])
        self.frontier.send(("page", _meta(item), result))
        if lease:
            self.frontier.ack(lease)
        self.stats.inc_value("crosspost/pages_sent")
        raise DropItem(f"sent to the writer: {item['url']}")


# -- the writer ----------------------------------------------------------------------------------

TAKE = """
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local m = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not m then break end
  out[#out + 1] = m
end
return out
"""


class Writer:
    """The one process that writes the database: seeds a run into Redis from it, stores what
    every process sends, decides the pages that waited for the site's article shapes, and
    finishes the sites when the whole crawl has ended."""

    def __init__(self, frontier: Frontier, store: Store, sites: list[SiteConfig]):
        self.frontier = frontier
        self.redis = frontier.redis
        self.keys = frontier.keys
        self.store = store
        self.sites = sites
        self.state = SQLiteCrawlState(store)
        self.shapes = RedisShapes(frontier)
        self.stats = None
        self.counts = {"stored": 0, "already": 0, "records": 0}
        self._take = self.redis.register_script(TAKE)

    def begin_run(self, digest: str) -> bool:
        """Seed a new run, or take up the running one (a writer restarted after a kill); True
        when it takes one up."""
        status = self.frontier.run_status()
        if status == "running":
            theirs = (self.redis.get(self.keys.sites) or b"").decode()
            if theirs != digest:
                raise InputError(
                    "the frontier holds an unfinished crawl of another sites file: use another "
                    "Redis database (redis://HOST:PORT/N) or the same sites file"
                )
        else:
            self.frontier.clear_run()
            self.frontier.add_members(self.keys.stored, self.store.known_urls())
            self.frontier.add_members(self.keys.fetched, self.store.fetched_pages())
            complete = {
                s.id: "1" if self.state.site_was_complete(s.id) else "0" for s in self.sites
            }
            if complete:
                self.redis.hset(self.keys.complete, mapping=complete)
            for site in self.sites:
                self.state.begin_site(site.id)
            self.redis.set(self.keys.sites, digest)
            self.redis.set(self.keys.run, "running")
        for site in self.sites:
            self.store.upsert_site(site.id, site.name, site.url, site.role)
            self.store.set_meta(f"boilerplate:{site.id}", json.dumps(list(site.boilerplate)))
        # What a killed writer had taken and maybe not stored: stored again (it is idempotent).
        for message in reversed(self.redis.lrange(self.keys.storing, 0, -1)):
            self.apply(pickle.loads(message))
        self.redis.delete(self.keys.storing)
        return status == "running"

    def drain(self, seconds: float = 0.2, batch: int = 10) -> int:
        """Store waiting messages for about `seconds` (the reactor waits meanwhile); how many."""
        done = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            taken = self._take(keys=[self.keys.results, self.keys.storing], args=[batch])
            for message in taken:
                self.apply(pickle.loads(message))
            if not taken:
                break
            self.redis.delete(self.keys.storing)
            done += len(taken)
        return done

    def apply(self, message: tuple) -> None:
        if message[0] == "record":
            _, url, site, kind, status, reason = message
            self.state.record(url, site, kind, status, reason)
            self.counts["records"] += 1
            return
        _, item, result = message
        if result.get("needs_shape"):
            if not self.shapes.matches(item["site"], item["url"]):
                # Shapes only grow during a crawl: decided when the whole crawl has ended.
                self.redis.hset(self.keys.undecided, item["url"], pickle.dumps((item, result)))
                return
            result = result["later"]
        self.settle(item, result)

    def settle(self, item: dict, result: dict) -> None:
        if result["outcome"] != "article":
            self.state.record(
                item["url"], item["site"], result["outcome"], item["status"], result["reason"]
            )
            self._inc(f"crosspost/dropped/{result['reason']}")
            return
        article_id = self.store.add_article(article_row(item, result), removed=result["removed"])
        if article_id is None:
            self.counts["already"] += 1
            self._inc("crosspost/dropped/already-stored")
        else:
            self.counts["stored"] += 1
            self._inc("crosspost/articles_stored")
        self.state.record(item["url"], item["site"], "article", item["status"], result["reason"])
        self.redis.sadd(self.keys.stored, item["url"])

    def _inc(self, name: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(name)

    def finish(self) -> None:
        """The whole crawl has ended: decide the waiting pages, finish the sites not cut short
        by max_pages, and mark the run finished (workers then stop)."""
        waiting = self.redis.hgetall(self.keys.undecided)
        for url in sorted(waiting):
            item, result = pickle.loads(waiting[url])
            if self.shapes.matches(item["site"], item["url"]):
                self.settle(item, result["later"])
            else:
                self.settle(item, result)
        self.redis.delete(self.keys.undecided)
        cut = {member.decode() for member in self.redis.smembers(self.keys.cut)}
        for site in self.sites:
            if site.id not in cut:
                self.state.finish_site(site.id)
        given_up = int(self.redis.get(self.keys.given_up) or 0)
        if given_up:
            logger.warning("%d requests were given up: every process that took them died", given_up)
            if self.stats is not None:
                self.stats.set_value("crosspost/given_up", given_up)
        self.redis.set(self.keys.run, "finished")


# -- keeping every process in step -------------------------------------------------------------


class FrontierCoordinator:
    """Extension: keeps the process's leases alive (from a thread), puts back the leases of dead processes,
    wakes the engine when the shared queue has work (Scrapy would look only every 5 s), has the
    writer store what arrives, and keeps every process open until the whole crawl has ended."""

    TICK = 0.1

    def __init__(self, crawler):
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None
        self.last_requeue = 0.0
        self.renewing = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.received, signal=signals.response_received)
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self) -> FrontierSpider:
        return self.crawler.spider

    def opened(self, spider) -> None:
        if self.spider.writer is not None:
            self.spider.writer.stats = self.crawler.stats
        self.renewing = self.spider.frontier.keep_leases()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.TICK).addErrback(self.broken)

    def closed(self, spider) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.renewing is not None:
            self.renewing.set()

    def tick(self) -> None:
        frontier = self.spider.frontier
        now = time.monotonic()
        if now - self.last_requeue >= 1.0:
            if frontier.requeue_expired():
                logger.info("requests of a process that stopped are back in the queue")
            self.last_requeue = now
        if self.spider.writer is not None:
            self.spider.writer.drain()
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)  # Scrapy's engine has no public "look again"
        if (
            slot is not None
            and not engine.needs_backout()
            and frontier.redis.zcard(frontier.keys.queue)
        ):
            slot.nextcall.schedule()

    def broken(self, failure) -> None:
        """Redis went away mid-crawl: stop this process (what it held goes back by lease)."""
        if failure.check(redis.RedisError):
            logger.info("the frontier failed: %s", failure.value)  # the command line says it
        else:
            logger.error("the frontier's loop failed", exc_info=failure.getTracebackObject())
        self.crawler.stats.set_value("crosspost/frontier_error", str(failure.value))
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="frontier-error"))

    def idle(self, spider) -> None:
        frontier = self.spider.frontier
        writer = self.spider.writer
        if writer is None:
            if frontier.run_status() != "running":
                return  # the writer ended the crawl
            raise DontCloseSpider
        while writer.drain():
            pass
        if frontier.all_done():
            writer.finish()
            return
        raise DontCloseSpider

    def received(self, response, request, spider) -> None:
        self.spider.frontier.count_response()

    def dropped(self, request, spider) -> None:
        """A redirect or retry the seen-filter refused: its lease's work is done."""
        self.spider.end_lease(request)
