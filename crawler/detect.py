"""Is a fetched page an article? Decided from the page's own signals (extract()'s "signals" and the
markup's structure, crawler.structure), helped by the shape of the site's article URLs as its
feeds, sitemaps and listings show them."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from dedupe.text import ARTICLE_TYPES

# A segment of three or more hyphen- or underscore-joined words (a cut-off slug may end in "-").
SLUG = re.compile(r"[^\W_]+(?:[-_][^\W_]+){2,}[-_]?")

# Declared article: short briefs count. Dated page: a date of its own (not a listing item's).
MIN_WORDS_DECLARED = 30
MIN_WORDS_DATED = 50
MIN_WORDS_LISTED = 50
MIN_WORDS_UNDECLARED = 300
MAX_LINK_DENSITY = 0.3
# Share of the main text inside repeated link-led items that makes a listing; lower where the
# page says it is one of a series or a website page, higher where it declares an article.
ITEM_SHARE = 0.5
ITEM_SHARE_HINTED = 0.25
ITEM_SHARE_DECLARED = 0.8
COLLECTION_TYPES = frozenset(
    {"collectionpage", "itemlist", "searchresultspage", "profilepage", "blog"}
)


def url_shape(url: str) -> str:
    """The shape of a URL's path and query: numbers become N and long hyphenated slugs S.

    /2026/11/05/solar-array-vote/ -> /N/N/N/S/ ; /news/vote-splits-farmers-1234.html -> /news/S.html
    ; /?p=5320 -> /?p=N
    """
    parts = urlsplit(url)
    shaped = [_shape(segment) for segment in parts.path.split("/")]
    query = sorted(f"{name}={_shape(value)}" for name, value in parse_qsl(parts.query, True))
    return "/".join(shaped) + ("?" + "&".join(query) if query else "")


def _shape(segment: str) -> str:
    stem, dot, ext = segment.partition(".")
    if stem.isdigit():
        stem = "N"
    elif SLUG.fullmatch(stem.lower()):
        stem = "S"
    else:
        stem = re.sub(r"\d+", "N", stem)
    return stem + dot + ext


class ArticleShapes:
    """URL shapes of a site's articles: two different URLs of a shape in its feeds and sitemaps
    make it an article shape, three that its listings' items lead to do too (a menu link seen on
    every page is still one URL)."""

    MIN_LISTED = 2
    MIN_LED = 3

    def __init__(self) -> None:
        self.listed: dict[str, dict[str, set[str]]] = {}
        self.led: dict[str, dict[str, set[str]]] = {}

    def learn(self, site: str, url: str) -> None:
        """A URL a feed or sitemap of the site lists."""
        known = self.listed.setdefault(site, {}).setdefault(url_shape(url), set())
        if len(known) < self.MIN_LISTED:  # enough to decide: memory stays flat
            known.add(url)

    def learn_led(self, site: str, urls: list[str]) -> None:
        """URLs the items of a listing page of the site lead to."""
        shapes = self.led.setdefault(site, {})
        for url in urls:
            known = shapes.setdefault(url_shape(url), set())
            if len(known) < self.MIN_LED:
                known.add(url)

    def matches(self, site: str, url: str) -> bool:
        shape = url_shape(url)
        return (
            len(self.listed.get(site, {}).get(shape, ())) >= self.MIN_LISTED
            or len(self.led.get(site, {}).get(shape, ())) >= self.MIN_LED
        )


def classify(signals: dict, listed_shape: bool = False) -> tuple[str, str]:
    """('article', reason) or ('listing' | 'other', reason) for a page's signals.

    `listed_shape`: the URL has the shape of the articles the site's feeds, sitemaps and listings
    lead to. Listings are told by structure first: however long their teasers, most of their
    text sits in repeated items that each lead to a page of their own.
    """
    words = signals.get("word_count") or 0
    density = signals.get("link_density") or 0.0
    og_type = (signals.get("og_type") or "").lower()
    jsonld = {t.lower() for t in signals.get("jsonld_types") or ()}
    jsonld_article = bool(jsonld & ARTICLE_TYPES)
    declared = og_type == "article" or jsonld_article
    dated = signals.get("own_date", signals.get("has_time_element"))
    share = signals.get("item_share") or 0.0
    if density > MAX_LINK_DENSITY:
        return "listing", "mostly-links"
    if jsonld & COLLECTION_TYPES and not jsonld_article:
        return "listing", "declared-collection"
    if jsonld_article:
        needed = ITEM_SHARE_DECLARED
    elif signals.get("paginated") or og_type in ("website", "profile") or "webpage" in jsonld:
        needed = ITEM_SHARE_HINTED
    else:
        needed = ITEM_SHARE
    if share >= needed:
        return "listing", "repeated-items"
    if declared and words >= MIN_WORDS_DECLARED:
        return "article", "declared"
    if dated and words >= MIN_WORDS_DATED:
        return "article", "dated-text"
    if words >= MIN_WORDS_UNDECLARED and (signals.get("paragraphs") or 0) >= 4:
        return "article", "long-text"
    if listed_shape and words >= MIN_WORDS_LISTED:
        return "article", "listed-url-shape"
    if declared:
        return "other", "too-short"
    return "other", "no-article-signals"
