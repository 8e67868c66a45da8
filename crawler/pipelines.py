"""extract -> store. What is not an article is dropped with its reason, counted in the crawl stats.

Extraction runs in a pool of worker processes (CROSSPOST_EXTRACT_WORKERS, default: one per
core; 0 runs it in the crawl process), so that parsing pages and downloading them overlap.
Writes stay in the crawl process, one transaction per article.

A page that is an article only if its URL has the shape of the site's articles waits until the
crawl has run out of pages (all feeds, sitemaps and listings read), so that whether it is kept
does not depend on the order pages happened to arrive in; a crawl stopped before that leaves it
undecided and unrecorded, for the next run to fetch again.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.extraction import leave_with_parent, process_page
from crawler.middlewares import STORE_FAILED, stop_for_store_error
from dedupe.errors import StoreError
from dedupe.store import now


class ArticlePipeline:
    """Extracts each page, keeps articles, and writes them (with their known-pattern strip) to the DB."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.pool: ProcessPoolExecutor | None = None
        self.undecided: dict[str, tuple[dict, dict]] = {}  # url -> (item, article result)
        crawler.signals.connect(self.decide_undecided, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.state = spider.state
        self.store = spider.state.store
        self.stats = self.crawler.stats
        settings = self.crawler.settings
        self.max_bytes = settings.getint("DOWNLOAD_MAXSIZE") or 10 * 1024 * 1024
        self.extra_patterns = {}
        for site in spider.site_configs.values():
            self.store.upsert_site(site.id, site.name, site.url, site.role)
            self.store.set_meta(f"boilerplate:{site.id}", json.dumps(list(site.boilerplate)))
            self.extra_patterns[site.id] = tuple(site.boilerplate)
        self.pool = extraction_pool(settings)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def drop(self, item, kind: str, reason: str) -> DropItem:
        self.state.record(item["url"], item["site"], kind, item["status"], reason)
        self.stats.inc_value(f"crosspost/dropped/{reason}")
        return DropItem(f"{reason}: {item['url']}")

    async def process_item(self, item):
        if self.stats.get_value("crosspost/store_error"):  # stopping: the store cannot be written
            raise DropItem(f"{STORE_FAILED}: {item['url']}")
        try:
            return await self._process_item(item)
        except StoreError as err:
            stop_for_store_error(self.crawler, err)
            raise DropItem(f"{STORE_FAILED}: {item['url']}") from err
        except DropItem:
            raise
        except Exception as err:  # a bug, not the page: Scrapy logs it (QuietDrops: no HTML)
            self.stats.inc_value("crosspost/errors")
            self.stats.inc_value(f"crosspost/errors/pipeline-{type(err).__name__}")
            raise

    async def extract(self, item) -> dict:
        """process_page() on the item, in the pool when there is one."""
        args = (
            item["html"],
            item["url"],
            item["site"],
            self.max_bytes,
            self.extra_patterns.get(item["site"], ()),
            bool(item.get("listed_shape")),
        )
        if self.pool is None:
            return process_page(*args)
        return await asyncio.wrap_future(self.pool.submit(process_page, *args))

    async def _process_item(self, item):
        result = await self.extract(item)
        shapes = self.crawler.spider.shapes
        if result.get("targets"):
            shapes.learn_led(item["site"], result["targets"])
        if result.get("needs_shape"):
            if not shapes.matches(item["site"], item["url"]):
                # Shapes only grow during a crawl: decide it when the crawl runs out of pages.
                self.undecided[item["url"]] = (_meta(item), result)
                self.stats.inc_value("crosspost/undecided")
                raise DropItem(f"undecided: {item['url']}")
            result = result["later"]
        if result["outcome"] != "article":
            raise self.drop(item, result["outcome"], result["reason"])
        return self.store_article(item, result)

    def decide_undecided(self) -> None:
        """The crawl has run out of pages: keep the waiting pages whose URL now has the shape of
        the site's articles, drop the others."""
        shapes = self.crawler.spider.shapes
        undecided, self.undecided = self.undecided, {}
        for url, (item, result) in sorted(undecided.items()):
            if shapes.matches(item["site"], url):
                self.store_article(item, result["later"])
            else:
                self.state.record(
                    url, item["site"], result["outcome"], item["status"], result["reason"]
                )
                self.stats.inc_value(f"crosspost/dropped/{result['reason']}")

    def store_article(self, item, result: dict) -> dict:
        article_id = self.store.add_article(article_row(item, result), removed=result["removed"])
        if article_id is None:
            self.stats.inc_value("crosspost/dropped/already-stored")
        else:
            self.stats.inc_value("crosspost/articles_stored")
        self.state.record(item["url"], item["site"], "article", item["status"], result["reason"])
        return {"url": item["url"], "article_id": article_id}


def extraction_pool(settings) -> ProcessPoolExecutor | None:
    """CROSSPOST_EXTRACT_WORKERS processes for process_page() (empty: one per core; 0: none)."""
    workers = settings.get("CROSSPOST_EXTRACT_WORKERS")
    workers = (os.cpu_count() or 1) if workers in (None, "") else int(workers)
    if workers <= 0:
        return None
    # spawn: a fork of the crawl process would copy Twisted's threads and sockets.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=leave_with_parent
    )


def article_row(item, result: dict) -> dict:
    """The articles row of a page that process_page() found to be an article."""
    row = {
        **result["fields"],
        "url": item["url"],
        "site": item["site"],
        "fetched_at": now(),
        "text": result["text"],
        "word_count": len(result["text"].split()),
    }
    if item.get("warc"):
        row["warc_file"], row["warc_record_id"] = item["warc"]
    return row


def _meta(item) -> dict:
    """The item without its HTML (kept while a page waits for its decision)."""
    return {key: item.get(key) for key in ("url", "site", "status", "warc")}
