"""Downloader middlewares of the crosspost crawler."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


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
