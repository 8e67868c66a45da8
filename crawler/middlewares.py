"""Downloader middlewares of the crosspost crawler."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro, deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from dedupe.errors import StoreError
from dedupe.urls import site_id

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, 429, time-outs), each after an exponentially growing pause.

    The pause is RETRY_BACKOFF_BASE * 2^(attempt - 1) seconds, at most RETRY_BACKOFF_MAX, or the
    server's Retry-After when it asks for longer (still capped). The request keeps its place in
    the site's download slot while it waits, so a struggling site is not sent more meanwhile.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self.pause(result, response.headers.get(b"Retry-After"))
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self.pause(result)
        return result

    def delay(self, attempt: int, retry_after: bytes | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1, 2, ...)."""
        delay = self.base * 2 ** max(attempt - 1, 0)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after.strip()))
        return min(delay, self.cap)

    async def pause(self, retry: Request, retry_after: bytes | None = None) -> None:
        delay = self.delay(retry.meta.get("retry_times", 1), retry_after)
        self.crawler.stats.inc_value("crosspost/retry_backoff_seconds", delay)
        await deferred_to_future(deferLater(reactor, delay, lambda: None))


class SiteScopeMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, per site: a request, and every redirect it leads to, stays on the
    site of sites.toml it was made for, so no page (nor its host's robots.txt) is fetched elsewhere.

    Runs before the robots.txt middleware and again when a redirect is scheduled. Unlike the base
    class it ignores dont_filter, which retried requests carry into their redirects. The
    robots.txt fetches themselves may follow redirects (RFC 9309 section 2.3.1.2).
    """

    def should_follow(self, request: Request, spider) -> bool:
        if request.meta.get("dont_obey_robotstxt") and "site" not in request.meta:
            return True  # the robots.txt middleware's own fetch (spider requests carry a site)
        host_site = site_id(request.url)
        site = request.meta.get("site")
        return host_site == site if site else host_site in getattr(spider, "site_configs", {})

    def process_request(self, request: Request, spider=None) -> None:
        if self.should_follow(request, self.crawler.spider):
            return
        reason = "off-site-redirect" if request.meta.get("redirect_urls") else "off-site"
        self.stats.inc_value(f"crosspost/skipped/{reason}")
        logger.info("not followed (%s): %s", reason, request.url)
        raise IgnoreRequest(f"{reason}: {request.url}")


# RFC 9309 section 2.3.1: what a robots.txt fetch that gave no usable file means.
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ALLOW_ALL = b""


def _not_scrapys_robots_error(record: logging.LogRecord) -> bool:
    """Scrapy logs a failed robots.txt fetch with a whole traceback; ours is one line."""
    return not str(record.msg).startswith("Error downloading")


class RFC9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's access results: a 4xx answer allows
    everything (2.3.1.3), a 5xx answer or a network error disallows everything (2.3.1.4).

    Scrapy parses whatever body came back, so a 503 error page meant "allow all". The verdict
    lasts for this run (after the usual retries of the robots.txt fetch); the next run asks again.
    An unreachable robots.txt counts as an error of the run; the pages held back are skipped.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.unreachable: set[str] = set()
        logging.getLogger(RobotsTxtMiddleware.__module__).addFilter(_not_scrapys_robots_error)

    async def robot_parser(self, request: Request):
        """The site's parser, for every request that waited for its robots.txt.

        Scrapy (2.13+, scrapy/scrapy#6802) has each waiting request await the same Deferred
        turned into a Future, which hands the parser to the first waiter only: the others got
        None, read as "allow all", so the pages a crawl asked for while robots.txt was on its
        way were fetched whatever it said. The parser is in _parsers once the Deferred fired."""
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc, parser)
        return parser if isinstance(settled, Deferred) else settled

    async def _parse_robots(self, response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._mark_unreachable(netloc, f"http-{response.status}")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=ALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # e.g. too many redirects: "unavailable", allow all
            super()._robots_error(exc, netloc)
            return
        self._mark_unreachable(netloc, type(exc).__name__)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting.callback(self._parsers[netloc])

    def _mark_unreachable(self, netloc: str, why: str) -> None:
        self.unreachable.add(netloc)
        self._stats.inc_value("crosspost/errors")
        self._stats.inc_value(f"crosspost/errors/robots-{why}")
        logger.warning(
            "robots.txt of %s unreachable (%s): nothing fetched there this run", netloc, why
        )

    def process_request_2(self, rp, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            if urlparse_cached(request).netloc in self.unreachable:
                self._stats.inc_value("crosspost/skipped/robots-unreachable")
            raise


# -- a store that cannot be written ------------------------------------------------------------

STORE_FAILED = "store-failed"


def stop_for_store_error(crawler, err: StoreError) -> None:
    """The database cannot be written (disk full, I/O error): stop the crawl now, once.

    Everything after the first failure would fail too; the message goes in the stats for the
    command line to print as its one error line. Writes already committed stay.
    """
    if crawler.stats.get_value("crosspost/store_error"):
        return
    crawler.stats.set_value("crosspost/store_error", str(err))
    logger.debug("stopping the crawl: %s", err)
    deferred_from_coro(crawler.engine.close_spider_async(reason=STORE_FAILED))


class StoreErrorMiddleware:
    """Spider middleware: a callback that cannot record a page in the store stops the crawl
    (instead of a traceback per page while the crawl goes on fetching)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response, exception, spider=None):
        if isinstance(exception, StoreError):
            stop_for_store_error(self.crawler, exception)
            return []
        return None
