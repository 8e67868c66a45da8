"""extract -> store. What is not an article is dropped with its reason, counted in the crawl stats.

Extraction runs in a pool of worker processes (CROSSPOST_EXTRACT_WORKERS, default: one per
core; 0 runs it in the crawl process), so that parsing pages and downloading them overlap.
Writes stay in the crawl process, one transaction per article.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

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
        workers = settings.get("CROSSPOST_EXTRACT_WORKERS")
        workers = (os.cpu_count() or 1) if workers in (None, "") else int(workers)
        if workers > 0:
            # spawn: a fork of the crawl process would copy Twisted's threads and sockets.
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=leave_with_parent
            )

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

    async def _process_item(self, item):
        args = (
            item["html"],
            item["url"],
            item["site"],
            self.max_bytes,
            self.extra_patterns.get(item["site"], ()),
            bool(item.get("listed_shape")),
        )
        if self.pool is None:
            result = process_page(*args)
        else:
            result = await asyncio.wrap_future(self.pool.submit(process_page, *args))
        if result["outcome"] != "article":
            raise self.drop(item, result["outcome"], result["reason"])
        article = {
            **result["fields"],
            "url": item["url"],
            "site": item["site"],
            "fetched_at": now(),
            "text": result["text"],
            "word_count": len(result["text"].split()),
        }
        article_id = self.store.add_article(article, removed=result["removed"])
        if article_id is None:
            self.stats.inc_value("crosspost/dropped/already-stored")
        else:
            self.stats.inc_value("crosspost/articles_stored")
        self.state.record(item["url"], item["site"], "article", item["status"], result["reason"])
        return {"url": item["url"], "article_id": article_id}
