"""Where a site's articles are listed: links, feeds, sitemaps and pagination found in responses."""

from __future__ import annotations

import logging
import re
import struct
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

# Where sites usually keep these when nothing announces them.
USUAL_FEEDS = ("/feed/", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml")
USUAL_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
PAGINATION_TEXT = re.compile(
    r"^\W*(older|next|more|previous posts|older posts|next page)\b|[»›→]\s*$", re.I
)
# (Not ?p=N: that is WordPress's plain permalink of a post.)
PAGINATION_URL = re.compile(r"/page/\d+/?$|[?&](page|paged)=\d+")
PRINT_URL = re.compile(r"/print(/|$)|[?&](print|output)=(1|true|print)\b|/amp/?$", re.I)
# Links that never lead to articles: not worth a request.
SKIP_EXTENSIONS = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|css|js|pdf|zip|gz|mp[34]|avi|mov|woff2?|ttf|docx?|xlsx?)$", re.I
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    rel: str
    pagination: bool

    @property
    def turns_page(self) -> bool:
        """Says so itself (rel=next/prev, "Older posts"), whatever its URL looks like."""
        rels = self.rel.split()
        return "next" in rels or "prev" in rels or bool(PAGINATION_TEXT.search(self.text))


def html_links(selector: Selector, base_url: str) -> list[Link]:
    """Every <a href> of an HTML page, absolute, with its rel and whether it turns a listing page."""
    links = []
    for anchor in selector.xpath("//a[@href]"):
        href = anchor.attrib["href"].strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        url = urljoin(base_url, href)
        if urlsplit(url).scheme not in ("http", "https") or SKIP_EXTENSIONS.search(
            urlsplit(url).path
        ):
            continue
        text = " ".join(anchor.xpath(".//text()").getall()).strip()
        rel = anchor.attrib.get("rel", "").lower()
        paginates = "next" in rel.split() or bool(PAGINATION_TEXT.search(text))
        links.append(Link(url, text, rel, paginates or bool(PAGINATION_URL.search(url))))
    for href in selector.xpath("//link[@rel='next']/@href").getall():
        links.append(Link(urljoin(base_url, href.strip()), "", "next", True))
    return links


def feed_urls(selector: Selector, base_url: str) -> list[str]:
    """Feeds announced with <link rel="alternate" type="application/rss+xml" ...>."""
    found = []
    for link in selector.xpath("//link[@href]"):
        rel = link.attrib.get("rel", "").lower().split()
        if "alternate" in rel and link.attrib.get("type", "").lower() in FEED_TYPES:
            found.append(urljoin(base_url, link.attrib["href"].strip()))
    return found


def canonical_url(selector: Selector, base_url: str) -> str | None:
    href = selector.xpath("//link[@rel='canonical']/@href").get()
    return urljoin(base_url, href.strip()) if href and href.strip() else None


def is_print_url(url: str) -> bool:
    return bool(PRINT_URL.search(url))


def feed_item_urls(body: bytes) -> list[str]:
    """Item links of an RSS 2.0, RSS 1.0 or Atom feed."""
    selector = Selector(body=body, type="xml")
    selector.remove_namespaces()
    urls = selector.xpath("//item/link/text()").getall()
    urls += selector.xpath("//entry/link[not(@rel) or @rel='alternate']/@href").getall()
    if not urls:
        urls = selector.xpath("//item/guid[not(@isPermaLink='false')]/text()").getall()
    return [u.strip() for u in urls if u.strip()]


# sitemaps.org's limits for one sitemap: 50 MB uncompressed, 50,000 URLs. Reading more of a
# sitemap that breaks them would stall the crawl (about 10 s per 200,000 URLs, all in the reactor).
SITEMAP_MAXSIZE = 50 * 1024 * 1024
SITEMAP_MAXURLS = 50_000

log = logging.getLogger(__name__)


class SitemapTooLarge(ValueError):
    """A compressed sitemap that grows past the size limit (a gzip bomb, or just too big)."""


def sitemap_body(body: bytes, max_size: int = SITEMAP_MAXSIZE) -> bytes:
    """The XML of a sitemap, gunzipped (at most max_size bytes) when it came compressed."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        return gunzip(body, max_size=max_size)
    except (OSError, EOFError, struct.error):  # not gzip after all, or broken from the start
        return b""
    except ValueError as err:  # scrapy's _DecompressionMaxSizeExceeded
        raise SitemapTooLarge(f"over {max_size} bytes once decompressed") from err


def sitemap_entries(body: bytes, max_size: int = SITEMAP_MAXSIZE) -> tuple[str, list[str]]:
    """('sitemapindex' | 'urlset', locations); ('', []) when the body is not a sitemap.

    At most SITEMAP_MAXURLS locations (the first ones). Raises SitemapTooLarge when a
    compressed body would decompress to more than max_size bytes.
    """
    xml = sitemap_body(body, max_size)
    try:
        sitemap = Sitemap(xml)
    except Exception:  # lxml raises several kinds on non-XML; all mean "not a sitemap"
        return "", []
    entries = islice((entry["loc"] for entry in sitemap if entry.get("loc")), SITEMAP_MAXURLS + 1)
    locations = list(entries)
    if len(locations) > SITEMAP_MAXURLS:
        log.warning("a sitemap lists over %d URLs: only the first ones are read", SITEMAP_MAXURLS)
        del locations[SITEMAP_MAXURLS:]
    return sitemap.type, locations


def robots_sitemaps(body: bytes, base_url: str) -> list[str]:
    return list(sitemap_urls_from_robots(body, base_url=base_url))


ARTICLE_JSONLD = re.compile(
    r'"@type"\s*:\s*\[?[^\]]*?"(?:\w*NewsArticle|Article|BlogPosting|Report|LiveBlogPosting)"'
)


def is_mostly_links(selector: Selector, threshold: float = 0.5) -> bool:
    """A page that does not declare itself an article and whose text is mostly link text.

    A cheap test (XPath over the tree the spider already has) that spares such listing pages the
    full extraction; anything that claims to be an article, or is in doubt, goes to extract().
    """
    og_type = (selector.xpath("//meta[@property='og:type']/@content").get() or "").strip()
    if og_type.lower() == "article":
        return False
    if any(
        ARTICLE_JSONLD.search(s)
        for s in selector.xpath("//script[@type='application/ld+json']/text()").getall()
    ):
        return False
    visible = "//body//text()[not(ancestor::script or ancestor::style)]"
    total = sum(len(t.split()) for t in selector.xpath(visible).getall())
    linked = sum(
        len(t.split()) for t in selector.xpath(visible.replace("text()[", "a//text()[")).getall()
    )
    return total > 0 and linked / total >= threshold
