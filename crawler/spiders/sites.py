"""The one spider: starts from each site's home page and finds its articles.

Discovery: Sitemap lines of robots.txt (and sitemap indexes), feeds announced on pages, links within
the site (listings, sections, pagination). Article pages go to the pipeline as PageItems; whether a
page really is an article is decided there, from the page itself. On a re-crawl, stored articles are
never requested again, and listing pagination stops at the first page that links to nothing new.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urljoin

import scrapy
from parsel import Selector
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import discovery
from crawler.detect import ArticleShapes
from crawler.items import PageItem
from crawler.sitelist import SiteConfig, load_sites
from crawler.state import CrawlState, SQLiteCrawlState
from dedupe.store import Store
from dedupe.urls import clean_url, site_id

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class SitesSpider(scrapy.Spider):
    name = "sites"

    def __init__(
        self,
        sites_file: str | None = None,
        sites: list[SiteConfig] | None = None,
        state: CrawlState | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if sites is None:
            if not sites_file:
                raise ValueError("give the sites file: scrapy crawl sites -a sites_file=sites.toml")
            sites = load_sites(sites_file)
        self.site_configs = {site.id: site for site in sites}
        self.state = state
        self.requested: Counter[str] = Counter()
        self.scheduled: set[str] = set()  # cleaned URLs requested in this run
        self.incremental: dict[str, bool] = {}
        self.shapes = ArticleShapes()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.state is None:
            spider.store = Store(crawler.settings.get("CROSSPOST_DB"))
            spider.state = SQLiteCrawlState(spider.store)
        spider.max_pages = crawler.settings.getint("CROSSPOST_MAX_PAGES")
        spider.sitemap_maxsize = crawler.settings.getint("CROSSPOST_SITEMAP_MAXSIZE")
        return spider

    # -- starting points -------------------------------------------------------------------------

    async def start(self):
        for site in self.site_configs.values():
            self.incremental[site.id] = self.state.site_was_complete(site.id)
            self.state.begin_site(site.id)
            meta = {"site": site.id}
            # Through follow(), so that links back to the home page count as already requested.
            home = self.follow(site.url, site.id, self.parse_page, priority=10)
            if home:
                yield home.replace(meta={**meta, "home": True})
            robots = urljoin(site.url, "/robots.txt")
            yield scrapy.Request(
                robots, callback=self.parse_robots, errback=self.failed, meta=meta, priority=10
            )
            for feed in site.feeds:
                yield scrapy.Request(urljoin(site.url, feed), callback=self.parse_feed, meta=meta)
            for sitemap in site.sitemaps:
                yield scrapy.Request(
                    urljoin(site.url, sitemap), callback=self.parse_sitemap, meta=meta
                )

    def closed(self, reason: str) -> None:
        if reason == "finished":
            for site in self.site_configs:
                self.state.finish_site(site)

    # -- following links -----------------------------------------------------------------------

    def follow(self, url: str, site: str, callback, priority: int = 0) -> scrapy.Request | None:
        """A request for a URL of this site that is worth fetching, or None."""
        limit = self.site_configs[site].max_pages or self.max_pages
        if self.requested[site] >= limit:  # first: cleaning 200,000 sitemap URLs takes 15 s
            self.crawler.stats.inc_value(f"crosspost/max_pages_reached/{site}")
            return None
        url = clean_url(url)
        if url in self.scheduled or site_id(url) != site or self.state.is_stored(url):
            return None
        self.requested[site] += 1
        self.scheduled.add(url)
        return scrapy.Request(
            url, callback=callback, errback=self.failed, meta={"site": site}, priority=priority
        )

    def failed(self, failure) -> None:
        """Count why a request gave nothing: 4xx and robots.txt are the site's business, the rest
        (5xx after retries, time-outs, refused connections) are errors of this run."""
        stats = self.crawler.stats
        if failure.check(HttpError):
            status = failure.value.response.status
            if status < 500:
                stats.inc_value(f"crosspost/skipped/http-{status}")
                return
            stats.inc_value("crosspost/errors")
            stats.inc_value(f"crosspost/errors/http-{status}")
        elif failure.check(IgnoreRequest):  # robots.txt said no: polite, not an error
            stats.inc_value("crosspost/skipped/ignored")
            self.logger.debug("not fetched: %s (%s)", failure.request.url, failure.value)
            return
        elif failure.check(DownloadCancelledError):  # over DOWNLOAD_MAXSIZE
            stats.inc_value("crosspost/skipped/too-large")
            return
        else:
            stats.inc_value("crosspost/errors")
            stats.inc_value(f"crosspost/errors/{type(failure.value).__name__}")
        self.logger.warning("failed: %s (%s)", failure.request.url, failure.value)

    # -- callbacks -----------------------------------------------------------------------------

    def parse_robots(self, response: Response):
        site = response.meta["site"]
        sitemaps = discovery.robots_sitemaps(response.body, response.url)
        for sitemap in sitemaps:
            request = self.follow(sitemap, site, self.parse_sitemap, priority=5)
            if request:
                yield request
        if not sitemaps and not self.site_configs[site].sitemaps:
            yield from self.probe(response.url, site, discovery.USUAL_SITEMAPS, self.parse_sitemap)

    def probe(self, base_url: str, site: str, paths: tuple[str, ...], callback):
        """Requests for the usual places of a sitemap or feed; a miss there is not an error."""
        for path in paths:
            request = self.follow(urljoin(base_url, path), site, callback, priority=5)
            if request:
                yield request.replace(errback=self.probe_missed)

    def probe_missed(self, failure) -> None:
        self.crawler.stats.inc_value("crosspost/probes/missed")

    def parse_sitemap(self, response: Response):
        site = response.meta["site"]
        try:
            kind, locations = discovery.sitemap_entries(response.body, self.sitemap_maxsize)
        except discovery.SitemapTooLarge as err:
            self.crawler.stats.inc_value("crosspost/skipped/sitemap-too-large")
            self.logger.warning("sitemap not read: %s (%s)", response.url, err)
            return
        self.crawler.stats.inc_value("crosspost/sitemaps")
        index = kind == "sitemapindex"
        callback = self.parse_sitemap if index else self.parse_page
        for location in locations:
            if not index:
                self.shapes.learn(site, location)
            request = self.follow(location, site, callback, priority=5 if index else 0)
            if request:
                yield request

    def parse_feed(self, response: Response):
        site = response.meta["site"]
        self.crawler.stats.inc_value("crosspost/feeds")
        for url in discovery.feed_item_urls(response.body):
            url = urljoin(response.url, url)
            self.shapes.learn(site, url)
            request = self.follow(url, site, self.parse_page)
            if request:
                yield request

    def parse_page(self, response: Response):
        site = response.meta["site"]
        url = clean_url(response.url)
        content_type = response.headers.get(b"Content-Type", b"").lower()
        if not any(t in content_type for t in HTML_TYPES) or not hasattr(response, "text"):
            # A sitemap or feed reached through a plain link is still worth reading.
            if b"xml" in content_type or b"rss" in content_type or b"atom" in content_type:
                yield from self.parse_sitemap(response)
                yield from self.parse_feed(response)
            self.state.record(url, site, "other", response.status, "not-html")
            self.crawler.stats.inc_value("crosspost/skipped/not-html")
            return
        if site_id(url) != site:  # redirected off the site
            self.crawler.stats.inc_value("crosspost/skipped/off-site-redirect")
            return
        selector = Selector(text=response.text)
        canonical = discovery.canonical_url(selector, response.url)
        canonical = clean_url(canonical) if canonical else None
        duplicate_view = canonical and canonical != url and site_id(canonical) == site
        if duplicate_view or discovery.is_print_url(url):
            # Print, AMP and other views of an article: fetch the article itself instead.
            self.state.record(url, site, "duplicate-view", response.status, "non-canonical")
            self.crawler.stats.inc_value("crosspost/skipped/duplicate-view")
            if canonical and duplicate_view:
                request = self.follow(canonical, site, self.parse_page)
                if request:
                    yield request
            return
        if self.state.is_stored(url):
            return
        feeds = discovery.feed_urls(selector, response.url)
        for feed in feeds:
            request = self.follow(feed, site, self.parse_feed, priority=5)
            if request:
                yield request
        if response.meta.get("home") and not feeds and not self.site_configs[site].feeds:
            yield from self.probe(response.url, site, discovery.USUAL_FEEDS, self.parse_feed)
        yield from self.follow_links(selector, response.url, site)
        if discovery.is_mostly_links(selector):  # a listing: no need to extract it
            self.state.record(url, site, "listing", response.status, "mostly-links")
            self.crawler.stats.inc_value("crosspost/dropped/mostly-links")
            return
        yield PageItem(
            url=url,
            site=site,
            status=response.status,
            html=response.text,
            listed_shape=self.shapes.matches(site, url),
        )

    def follow_links(self, selector: Selector, base_url: str, site: str):
        """Links of the page; on a re-crawl, pagination only while the page links to new things."""
        links = discovery.html_links(selector, base_url)
        new = [
            link
            for link in links
            if not link.pagination and site_id(link.url) == site
            if not self.state.was_fetched(clean_url(link.url))
        ]
        keep_paginating = not self.incremental.get(site) or bool(new)
        for link in links:
            if link.pagination and not keep_paginating:
                continue
            request = self.follow(link.url, site, self.parse_page)
            if request:
                yield request
