"""The one spider: starts from each site's home page and finds its articles.

Discovery: Sitemap lines of robots.txt (and sitemap indexes), feeds announced on pages, links within
the site (listings, sections, pagination). Article pages go to the pipeline as PageItems; whether a
page really is an article is decided there, from the page itself.

What a kill cannot cut: every page request is written to the frontier (CrawlState.remember) before
the page that led to it counts as done, and a run after an unfinished one starts from that
frontier too. On a re-crawl after a finished one, stored articles are never requested again and
listing pagination stops at the first page whose headline links lead only to stored articles or
pages known not to be articles.

Trap-like URL spaces (endless calendars, parameters that make new URLs of the same pages) are
bounded without any per-site setting: a page whose headline links hold nothing the page that led
to it did not already show leads nowhere new, and after MAX_BARREN_HOPS such pages in a row their
links are no longer followed.
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
from crawler.structure import title_like
from crawler.warc import WARC_META
from dedupe.store import Store
from dedupe.urls import clean_url, site_id

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Pages in a row that lead nowhere new before their links are no longer followed.
MAX_BARREN_HOPS = 2


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
        self.unsaved: dict[str, list[tuple[str, int]]] = {}  # page requests not yet remembered

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
            self.incremental[site.id] = complete = self.state.site_was_complete(site.id)
            self.state.begin_site(site.id)
            meta = {"site": site.id}
            # Through follow(), so that links back to the home page count as already requested.
            home = self.follow(site.url, site.id, self.parse_page, priority=10)
            if home:
                home.meta["home"] = True
                yield home
            if not complete:  # what an unfinished run had found and not fetched
                for url, hops in self.state.frontier(site.id):
                    request = self.follow(url, site.id, self.parse_page, hops=hops)
                    if request:
                        yield request
            self.save_frontier()
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
        if reason != "finished":
            return
        stats = self.crawler.stats
        for site in self.site_configs:
            # A site cut short by max_pages was not crawled to its end: the next run must not
            # trust "nothing new" there.
            if not stats.get_value(f"crosspost/max_pages_reached/{site}"):
                self.state.finish_site(site)

    # -- following links -----------------------------------------------------------------------

    def follow(
        self,
        url: str,
        site: str,
        callback,
        priority: int = 0,
        hops: int = 0,
        shown: frozenset[str] = frozenset(),
    ) -> scrapy.Request | None:
        """A request for a URL of this site that is worth fetching, or None.

        Page requests wait in `unsaved` until save_frontier() writes them to the frontier; every
        callback saves before it hands its requests to Scrapy."""
        limit = self.site_configs[site].max_pages or self.max_pages
        if self.requested[site] >= limit:  # first: cleaning 200,000 sitemap URLs takes 15 s
            self.crawler.stats.inc_value(f"crosspost/max_pages_reached/{site}")
            return None
        url = clean_url(url)
        if url in self.scheduled or site_id(url) != site or self.state.is_stored(url):
            return None
        self.requested[site] += 1
        self.scheduled.add(url)
        if callback == self.parse_page:
            self.unsaved.setdefault(site, []).append((url, hops))
        meta = {"site": site, "hops": hops, "shown": shown}
        return scrapy.Request(
            url, callback=callback, errback=self.failed, meta=meta, priority=priority
        )

    def save_frontier(self) -> None:
        unsaved, self.unsaved = self.unsaved, {}
        for site, entries in unsaved.items():
            self.state.remember(site, entries)

    def failed(self, failure) -> None:
        """Count why a request gave nothing: 4xx and robots.txt are the site's business, the rest
        (5xx after retries, time-outs, refused connections) are errors of this run."""
        stats = self.crawler.stats
        if failure.check(HttpError, IgnoreRequest, DownloadCancelledError) and not (
            failure.check(HttpError) and failure.value.response.status >= 500
        ):
            self.state.settle(clean_url(failure.request.url))  # for good: off the frontier
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
        requests = []
        for location in locations:
            if not index:
                self.shapes.learn(site, location)
            requests.append(self.follow(location, site, callback, priority=5 if index else 0))
        self.save_frontier()
        yield from filter(None, requests)

    def parse_feed(self, response: Response):
        site = response.meta["site"]
        self.crawler.stats.inc_value("crosspost/feeds")
        requests = []
        for url in discovery.feed_item_urls(response.body):
            url = urljoin(response.url, url)
            self.shapes.learn(site, url)
            requests.append(self.follow(url, site, self.parse_page))
        self.save_frontier()
        yield from filter(None, requests)

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
            self.state.settle(clean_url(response.request.url))
            self.crawler.stats.inc_value("crosspost/skipped/off-site-redirect")
            return
        selector = Selector(text=response.text)
        canonical = discovery.canonical_url(selector, response.url)
        canonical = clean_url(canonical) if canonical else None
        duplicate_view = canonical and canonical != url and site_id(canonical) == site
        if duplicate_view or discovery.is_print_url(url):
            # Print, AMP and other views of an article: fetch the article itself instead.
            request = None
            if canonical and duplicate_view:
                request = self.follow(canonical, site, self.parse_page)
                self.save_frontier()
            self.state.record(url, site, "duplicate-view", response.status, "non-canonical")
            self.crawler.stats.inc_value("crosspost/skipped/duplicate-view")
            if request:
                yield request
            return
        if self.state.is_stored(url):
            return
        requests = []
        feeds = discovery.feed_urls(selector, response.url)
        for feed in feeds:
            requests.append(self.follow(feed, site, self.parse_feed, priority=5))
        if response.meta.get("home") and not feeds and not self.site_configs[site].feeds:
            requests += self.probe(response.url, site, discovery.USUAL_FEEDS, self.parse_feed)
        links = [
            link
            for link in discovery.html_links(selector, response.url)
            if site_id(link.url) == site
        ]
        headlines = frozenset(
            clean_url(link.url) for link in links if not link.turns_page and title_like(link.text)
        )
        requests += self.follow_links(links, headlines, response, site)
        # Written down before the page counts as done (recorded below, or by the pipeline).
        self.save_frontier()
        yield from filter(None, requests)
        if discovery.is_mostly_links(selector):  # a listing: no need to extract it
            self.shapes.learn_led(site, list(headlines))
            self.state.record(url, site, "listing", response.status, "mostly-links")
            self.crawler.stats.inc_value("crosspost/dropped/mostly-links")
            return
        yield PageItem(
            url=url,
            site=site,
            status=response.status,
            html=response.text,
            listed_shape=self.shapes.matches(site, url),
            warc=response.meta.get(WARC_META),
        )

    def follow_links(
        self, links: list, headlines: frozenset[str], response: Response, site: str
    ) -> list:
        """Requests for the page's `links` within the site.

        Headline links (title-like text) tell whether the page leads anywhere new: on a
        re-crawl, pagination goes on only while they lead to pages not stored as articles nor
        known as other pages; in any crawl, a page whose headline links are all on the page
        that led to it is barren, and the links of MAX_BARREN_HOPS barren pages in a row are
        not followed (endless calendars, parameter spaces)."""
        shown = response.meta.get("shown") or frozenset()
        hops = 0 if headlines - shown else response.meta.get("hops", 0) + 1
        if hops > MAX_BARREN_HOPS:
            self.crawler.stats.inc_value("crosspost/barren_pages_not_followed")
            return []
        if self.incremental.get(site):
            fresh = any(
                not self.state.is_stored(url) and not self.state.was_fetched(url)
                for url in headlines
            )
        else:
            fresh = True
        return [
            self.follow(link.url, site, self.parse_page, hops=hops, shown=headlines)
            for link in links
            if fresh or not link.pagination
        ]
