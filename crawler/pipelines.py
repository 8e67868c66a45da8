"""extract -> store. What is not an article is dropped with its reason, counted in the crawl stats."""

from __future__ import annotations

import json

from scrapy.exceptions import DropItem

from crawler.detect import classify
from dedupe.boilerplate import load_patterns, strip
from dedupe.errors import NotAnArticle
from dedupe.store import now
from dedupe.text import extract


class ArticlePipeline:
    """Extracts each page, keeps articles, and writes them (with their known-pattern strip) to the DB."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.state = spider.state
        self.store = spider.state.store
        self.stats = self.crawler.stats
        self.max_bytes = self.crawler.settings.getint("DOWNLOAD_MAXSIZE") or 10 * 1024 * 1024
        self.patterns = {}
        for site in spider.site_configs.values():
            self.store.upsert_site(site.id, site.name, site.url, site.role)
            self.store.set_meta(f"boilerplate:{site.id}", json.dumps(list(site.boilerplate)))
            self.patterns[site.id] = load_patterns(site.boilerplate)

    def drop(self, item, kind: str, reason: str) -> DropItem:
        self.state.record(item["url"], item["site"], kind, item["status"], reason)
        self.stats.inc_value(f"crosspost/dropped/{reason}")
        return DropItem(f"{reason}: {item['url']}")

    def process_item(self, item):
        try:
            fields = extract(item["html"], item["url"], max_bytes=self.max_bytes)
        except NotAnArticle as err:
            raise self.drop(item, "unusable", err.reason) from err
        kind, reason = classify(fields.get("signals") or {})
        if kind != "article":
            raise self.drop(item, kind, reason)
        stripped = strip(fields["raw_text"], self.patterns[item["site"]], site=item["site"])
        article = {
            **fields,
            "url": item["url"],
            "site": item["site"],
            "fetched_at": now(),
            "text": stripped.text,
            "word_count": len(stripped.text.split()),
        }
        article_id = self.store.add_article(article)
        if article_id is None:
            self.stats.inc_value("crosspost/dropped/already-stored")
        else:
            self.store.set_texts([(article_id, stripped.text, stripped.removed)])
            self.stats.inc_value("crosspost/articles_stored")
        self.state.record(item["url"], item["site"], "article", item["status"], reason)
        return {"url": item["url"], "article_id": article_id}
