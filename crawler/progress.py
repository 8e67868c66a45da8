"""A live progress line on a terminal (pages, articles, errors, rate); silent under cron."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from twisted.internet import task


class Progress:
    """Scrapy extension: redraws one status line on stderr each second while crawling."""

    def __init__(self, stats, stream=None):
        self.stats = stats
        self.stream = stream or sys.stderr
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler.stats)
        if not crawler.settings.getbool("CROSSPOST_PROGRESS") or not sys.stderr.isatty():
            return extension  # inert: cron and pipes get the summary line only
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def line(self) -> str:
        get = self.stats.get_value
        pages = get("response_received_count", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (
            f"crawling: {pages} pages, {get('crosspost/articles_stored', 0)} new articles, "
            f"{get('crosspost/errors', 0)} errors, {pages / elapsed:.1f} pages/s"
        )

    def draw(self) -> None:
        self.stream.write("\r\033[K" + self.line())
        self.stream.flush()

    def opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.draw)
        self.loop.start(1.0)

    def closed(self, spider) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self.draw()
        self.stream.write("\n")
