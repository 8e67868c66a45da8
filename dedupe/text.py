"""Article extraction: main text (trafilatura), metadata (extruct, meta tags, htmldate), attribution.

`extract(html, url)` returns the fields of an article row plus "signals" the crawler uses to tell
articles from listings. The attribution ("The original source of this article is ...", "first
appeared on ...") is read from the HTML here, before boilerplate stripping removes those lines.
"""

from __future__ import annotations

import bisect
import copy
import email.utils
import itertools
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import extruct
import lxml.etree
import lxml.html
from htmldate import find_date
from trafilatura.metadata import extract_author
from w3lib.encoding import html_body_declared_encoding, read_bom

from .body import declared_body, main_text, tidy
from .credits import FIRST_PUBLISHED_ELSEWHERE, READ_ON_ELSEWHERE
from .errors import NotAnArticle
from .urls import clean_url, site_id

log = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "liveblogposting",
        "report",
        "scholarlyarticle",
        "techarticle",
        "socialmediaposting",
    }
)

# File signatures of formats that are never HTML.
_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"fLaC",
    b"wOFF",
    b"wOF2",
    b"\x7fELF",
    b"\x00\x00\x01\x00",
)
_HTML_TAG = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|p|div|article|main|title|h[1-6]|section|span|br|table|meta)\b",
    re.IGNORECASE,
)
_FEED_ROOT = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|urlset|sitemapindex|rdf:rdf)\b",
    re.I | re.S,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# Control characters (all but \t \n \r) and U+FFFE/U+FFFF: invisible on a page, but one of them
# makes trafilatura find no text at all. Vertical tab and form feed are whitespace; the rest go.
# A regex, not str.translate: translate looks every character of the page up in a dict, which
# took a fifth of extraction's time on real pages that almost never hold one of these.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Reader comment threads under names trafilatura does not know (it drops id/class "comment...").
_COMMENT_THREADS = lxml.etree.XPath(
    "//*[self::div or self::section or self::ol or self::ul][{}]".format(
        " or ".join(
            f"contains(concat(' ', normalize-space(@{attr}), ' '), ' {name} ')"
            for attr in ("class", "id")
            for name in ("replies", "responses", "reader-comments", "user-comments")
        )
    )
)

# Attribution phrases, strongest first. The match is searched in one text node; the link and the
# outlet name come from the nearest block element around it.
_ATTRIBUTION = [
    re.compile(
        r"\b(?:(?:originally|first) (?:published|appeared|posted|ran) (?:on|at|in|by)"
        r"|the original source of this (?:article|story|post|piece) is"
        r"|republished (?:from|with (?:the )?permission (?:of|from)|courtesy of)"
        r"|reprinted (?:from|with (?:the )?permission (?:of|from))"
        rf"|(?:{FIRST_PUBLISHED_ELSEWHERE})\s+(?:sur|dans|par|en|su|em|no|na|auf|bei|in|im|op))"
        r"\b\s*:?",
        re.I,
    ),
    re.compile(
        r"\b(?:(?:continue|keep) reading (?:at|on)"
        r"|read the (?:full|original|whole|rest of the) (?:article|story|post|piece) (?:at|on)"
        rf"|{READ_ON_ELSEWHERE})\b",
        re.I,
    ),
    # A credit line that starts the block: "Source: Outlet", "Via Outlet" (short, with a link for via).
    re.compile(r"^\s*(?:(?:source|quelle|fuente|fonte|bron|источник|źródło)\s*:|via\b\s*:?)", re.I),
]
_ANY_ATTRIBUTION = re.compile("|".join(f"(?:{p.pattern})" for p in _ATTRIBUTION), re.I)
# The same phrases (all written in lower case) on the page's case-folded text, each text node on
# a line of its own: one pass over the page instead of one search per node, and without
# IGNORECASE, which doubles the cost of a search; the nodes it touches are then read as before.
_ATTRIBUTION_HINT = re.compile(_ANY_ATTRIBUTION.pattern, re.M)
_BLOCK_TAGS = frozenset(
    {"p", "li", "div", "td", "dd", "dt", "blockquote", "figcaption", "small"}
    | {"footer", "aside", "section", "article", "header", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_MAX_CREDIT_CHARS = 400
_MAX_TEASER_CHARS = 800
_NAME_END = re.compile(r"[.,;:|()\[\]»›→…]|\s[-–—]\s")
_TITLE_SEP = re.compile(r"\s+[|\-–—:·•»]\s+")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=[/\-_.]|$)")
_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_META_DATE_NAMES = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "citation_publication_date",
    "parsely-pub-date",
    "sailthru.date",
)
_META_AUTHOR_NAMES = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author")
_WORD = re.compile(r"\w+")
_MIN_PARAGRAPH_WORDS = 8
# Fewer words than this is a menu or a stub, not text; the crawler applies its own, higher bars.
MIN_WORDS = 5
# The headline is looked for among this many first blocks of the main text.
_HEADLINE_LINES = 3


def extract(html: str | bytes, url: str, *, max_bytes: int = 5_000_000) -> dict[str, Any]:
    """Extract one page: metadata, attribution, main text (one block per line) and page signals.

    The headline is the `title` field, not a line of `raw_text`; reader comment threads are left out.

    Bytes are decoded from the declared charset, else UTF-8, else cp1252. Raises NotAnArticle with
    reason "empty", "too-large", "binary", "not-html", "bad-encoding" or "no-main-text".
    """
    text = _CONTROLS.sub(_uncontrol, _decode(html, max_bytes))
    tree = _parse(text)
    page_site = site_id(url)
    data = _structured(tree, url)
    jsonld = _jsonld_items(data)
    article_ld = next((i for i in jsonld if _types(i) & ARTICLE_TYPES), jsonld[0] if jsonld else {})
    metas = _meta_map(tree)

    title = _title(tree, article_ld, metas, page_site)
    found = declared_body(main_text(tree, url), article_ld.get("articleBody"), tree)
    raw_text = _drop_headline(found, tree, title)
    if len(_WORD.findall(raw_text)) < MIN_WORDS:
        raise NotAnArticle(
            "no-main-text", "no article text found; is this a listing or an app page?"
        )

    canonical = _canonical(tree, metas, url)
    attribution_url, attribution_name = _attribution(tree, url, page_site)
    foreign_canonical = bool(canonical) and site_id(canonical) not in ("", page_site)
    if attribution_url is None and attribution_name is None and foreign_canonical:
        attribution_url = canonical  # weaker hint: the page says its original lives elsewhere
    if foreign_canonical:
        _drop_canonical(tree)  # so htmldate does not date this page by the other page's URL
    published, published_source = _published(tree, data, article_ld, metas, url)
    words = len(_WORD.findall(raw_text))
    return {
        "url": clean_url(url),
        "title": title,
        "author": _author(tree, article_ld, metas),
        "published": published,
        "published_source": published_source,
        "canonical_url": canonical,
        "attribution_url": attribution_url,
        "attribution_name": attribution_name,
        "raw_text": raw_text,
        "lang": _lang(tree, metas),
        "signals": {
            "og_type": metas.get("og:type"),
            "jsonld_types": sorted({t for item in jsonld for t in _types(item, lower=False)}),
            "word_count": words,
            "paragraphs": sum(
                len(_WORD.findall(b)) >= _MIN_PARAGRAPH_WORDS for b in raw_text.split("\n")
            ),
            "link_density": _link_density(tree),
            "has_time_element": bool(tree.xpath("//time")),
        },
    }


# -- input checks ------------------------------------------------------------------------------


def _uncontrol(match: re.Match) -> str:
    return " " if match.group() in "\x0b\x0c" else ""


def _decode(html: str | bytes, max_bytes: int) -> str:
    """The page as text, or NotAnArticle for empty, oversized, binary, non-HTML or undecodable input."""
    if isinstance(html, str):
        data = html.encode("utf-8", "surrogatepass")
    elif isinstance(html, bytes | bytearray | memoryview):
        data = bytes(html)
    else:
        raise TypeError(f"extract() needs str or bytes, not {type(html).__name__}")
    if not data.strip():
        raise NotAnArticle("empty", "the page has no content")
    if len(data) > max_bytes:
        raise NotAnArticle("too-large", f"{len(data)} bytes is over the limit of {max_bytes}")
    bom_encoding, bom = read_bom(data)
    head = data[:4096]
    if not bom_encoding and (b"\x00" in head or head.startswith(_MAGIC)):
        raise NotAnArticle("binary", "the content is binary, not HTML")
    text = html if isinstance(html, str) else _decode_bytes(data, bom_encoding, bom)
    sniff = text[:65536].encode("utf-8", "replace")
    if _FEED_ROOT.match(sniff) or sniff.lstrip()[:1] in (b"{", b"[") or not _HTML_TAG.search(sniff):
        raise NotAnArticle("not-html", "no HTML markup (a feed, JSON or plain text?)")
    return text


def _decode_bytes(data: bytes, bom_encoding: str | None, bom: bytes | None) -> str:
    """Decode with the BOM, else the declared charset, then UTF-8, then cp1252."""
    if bom_encoding:
        try:
            return data[len(bom or b"") :].decode(bom_encoding)
        except UnicodeDecodeError as err:
            raise NotAnArticle(
                "bad-encoding", f"byte order mark says {bom_encoding}: {err}"
            ) from err
    declared = html_body_declared_encoding(data[:8192])  # w3lib maps latin-1 & co to cp1252
    tried: list[str] = []
    for encoding in dict.fromkeys(e for e in (declared, "utf-8", "cp1252") if e):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            tried.append(encoding)
            continue
        if tried:
            log.debug("decoded as %s after %s failed", encoding, ", ".join(tried))
        return text
    raise NotAnArticle("bad-encoding", f"not valid as {', '.join(tried)}")


def _parse(text: str) -> lxml.html.HtmlElement:
    """Parse to an lxml tree (an XML declaration in a str would make lxml refuse it)."""
    try:
        tree = lxml.html.document_fromstring(_XML_DECL.sub("", text, count=1))
    except (lxml.etree.ParserError, ValueError) as err:
        raise NotAnArticle("not-html", f"cannot parse as HTML: {err}") from err
    for bad in tree.xpath("//script[not(@type='application/ld+json')]|//style|//noscript"):
        bad.drop_tree()
    tidy(tree)
    for thread in _COMMENT_THREADS(tree):
        thread.drop_tree()
    body = tree.find("body")
    if body is None or not body.text_content().strip():
        raise NotAnArticle("empty", "the page body has no text")
    return tree


def _drop_headline(text: str, tree: lxml.html.HtmlElement, title: str | None) -> str:
    """Text without the headline: trafilatura keeps an <h1>/<h2> title that sits in the article."""
    heads = {_compact(title or "")} | {_compact(_text(h)) for h in tree.iter("h1")}
    heads.discard("")
    lines = text.split("\n")
    top = [line for line in lines[:_HEADLINE_LINES] if _compact(line) not in heads]
    return "\n".join(top + lines[_HEADLINE_LINES:])


# -- structured data and meta tags ---------------------------------------------------------------


def _structured(tree: lxml.html.HtmlElement, url: str) -> dict[str, list]:
    try:
        return extruct.extract(
            tree,
            base_url=url,
            syntaxes=["json-ld", "opengraph", "microdata"],
            uniform=True,
            errors="ignore",
        )
    except Exception as err:  # extruct raises many kinds on odd markup; metadata is optional
        log.debug("structured data unreadable on %s: %s", url, err)
        return {}


def _jsonld_items(data: dict[str, list]) -> list[dict]:
    """JSON-LD nodes, with @graph containers flattened."""
    out: list[dict] = []
    stack = list(data.get("json-ld") or [])
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            if isinstance(item.get("@graph"), list):
                stack[:0] = item["@graph"]
            if "@type" in item:
                out.append(item)
    return out


def _types(item: dict, *, lower: bool = True) -> set[str]:
    raw = item.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    clean = {str(n).rsplit("/", 1)[-1] for n in names if n}
    return {n.lower() for n in clean} if lower else clean


def _meta_map(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """First value of each <meta> by lowercased name/property/itemprop."""
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = (meta.get("content") or meta.get("datetime") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key:
                out.setdefault(key, content)
    return out


def _names(value: Any) -> list[str]:
    """Names from a JSON-LD author/publisher value (str, dict or list of them)."""
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        value = value.get("name")
        return _names(value) if isinstance(value, list | dict) else ([value] if value else [])
    return [str(value).strip()] if value and str(value).strip() else []


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


# -- title, author, language ----------------------------------------------------------------------


def _title(tree, article_ld: dict, metas: dict[str, str], page_site: str) -> str | None:
    """og:title, JSON-LD headline, <h1>, then <title>; a site-name segment is cut off."""
    site_names = {_compact(n) for n in _names(article_ld.get("publisher")) if n}
    site_names |= {_compact(metas.get(k, "")) for k in ("og:site_name", "application-name")}
    site_names |= {_compact(page_site), _compact(page_site.rsplit(".", 1)[0])}
    site_names |= {_compact(label) for label in page_site.split(".") if len(label) >= 5}
    site_names.discard("")
    # The headline's <h1>: not a logo or masthead <h1> that holds the site's name.
    h1 = next(
        (t for t in (_text(h) for h in tree.iter("h1")) if t and not _names_site(t, site_names)),
        None,
    )
    title_tag = _text(tree.find(".//title")) if tree.find(".//title") is not None else None
    for candidate, is_title_tag in (
        (metas.get("og:title"), False),
        (_first_str(article_ld.get("headline") or article_ld.get("name")), False),
        (h1, False),
        (title_tag, True),
    ):
        if candidate and candidate.strip():
            return _cut_site_name(" ".join(candidate.split()), site_names, is_title_tag)
    return None


def _names_site(segment: str, site_names: set[str], loose: bool = True) -> bool:
    """Whether a title segment is the site's name: equal to a known name (a leading "the"
    aside), or holding the host's main label ("Levant Media Center" on levantmedia.org)."""
    key = _compact(segment)
    if not key:
        return False
    bare = key[3:] if key.startswith("the") and len(key) > 6 else key
    if key in site_names or bare in site_names:
        return True
    return (
        loose
        and len(segment.split()) <= 6
        and any(
            len(name) >= 5 and (name in bare or (len(bare) >= 5 and bare in name))
            for name in site_names
        )
    )


def _cut_site_name(title: str, site_names: set[str], is_title_tag: bool) -> str:
    head, colon, rest = title.partition(": ")
    if colon and rest and _names_site(head, site_names, loose=False):  # "Site Name: Headline"
        return rest.strip()
    parts = _TITLE_SEP.split(title)
    if len(parts) < 2:
        return title
    seps = _TITLE_SEP.findall(title)
    if _names_site(parts[-1], site_names):
        return title[: title.rfind(seps[-1])].strip()
    if _names_site(parts[0], site_names):
        return title[title.find(seps[0]) + len(seps[0]) :].strip()
    if is_title_tag and seps[-1].strip() == "|":
        return title[
            : title.rfind(seps[-1])
        ].strip()  # "Headline | Anything": a pipe marks the site
    return title


def _first_str(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if isinstance(value, str | int | float) else None


def _text(el) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def _author(tree, article_ld: dict, metas: dict[str, str]) -> str | None:
    """JSON-LD author, then author meta tags (not URLs), then trafilatura's byline finder."""
    names = _names(article_ld.get("author"))
    if not names:
        for key in _META_AUTHOR_NAMES:
            value = metas.get(key, "")
            if value and not value.startswith(("http://", "https://", "@")):
                names = [value]
                break
    author = ", ".join(dict.fromkeys(names)) if names else _byline(tree)
    if author:
        author = re.sub(r"^by\s+", "", " ".join(author.split()), flags=re.I)
    return author or None


def _byline(tree) -> str | None:
    """trafilatura's byline finder on the main region and the headline around it only.

    On a page with heavy menus and sidebars the finder is the slowest step of extraction, and a
    byline in a sidebar names another article's author.
    """
    region = _main_region(tree)
    headline = next(tree.iter("h1"), None)
    if region is not None and headline is not None:
        around = list(headline.iterancestors())  # held, so lxml keeps one proxy per element
        while region is not None and region is not headline and not _among(region, around):
            region = region.getparent()  # the smallest element holding text and headline
    if region is None or region.tag in ("body", "html"):
        return extract_author(tree)
    document = lxml.html.document_fromstring("<html><body></body></html>")
    document.find("body").append(copy.deepcopy(region))
    return extract_author(document)


def _among(element, elements: list) -> bool:
    return any(element is other for other in elements)


def _lang(tree, metas: dict[str, str]) -> str | None:
    raw = tree.get("lang") or metas.get("content-language") or metas.get("og:locale") or ""
    primary = re.split(r"[-_]", raw.strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


# -- dates ---------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    """ISO 8601 from a date string; date only when the source shows no time."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if _ISO_DATE_ONLY.match(value[:10]) and (len(value) == 10 or value[10] not in "T "):
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed.replace(microsecond=0).isoformat()


def _published(
    tree, data: dict, article_ld: dict, metas: dict, url: str
) -> tuple[str | None, str | None]:
    """(ISO date, source): JSON-LD, meta/microdata, <time>, htmldate, then the URL."""
    value = _iso(_first_str(article_ld.get("datePublished") or article_ld.get("dateCreated")))
    if value:
        return value, "json-ld"
    for key in _META_DATE_NAMES:
        value = _iso(metas.get(key))
        if value:
            return value, "meta"
    for item in data.get("microdata") or []:
        props = item.get("properties", {}) if isinstance(item, dict) else {}
        value = _iso(_first_str(props.get("datePublished")))
        if value:
            return value, "meta"
    for node in _time_elements(tree):
        value = _iso(node.get("datetime"))
        if value:
            return value, "time-element"
    datelines, shown = _datelines(tree), None
    if any(map(_TIME_OF_DAY.search, datelines)):  # a time of day: more than htmldate's day
        shown = _shown_date(datelines, _lang(tree, metas))
        if shown:
            return shown, "shown-text"
        datelines = []  # read already: nothing in them
    try:
        # Markup-only search: the extensive one also dates pages by the links they list.
        value = find_date(tree, extensive_search=False, original_date=True)
    except Exception as err:  # htmldate is a heuristic; a crash there must not lose the article
        log.debug("htmldate failed on %s: %s", url, err)
        value = None
    if value:
        return value, "htmldate"
    if datelines:
        shown = _shown_date(datelines, _lang(tree, metas))
    if shown:
        return shown, "shown-text"
    match = _URL_DATE.search(urlsplit(url).path)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat(), "url"
        except ValueError:
            pass
    return None, None


# Where pages show their dateline: <time> without a machine-readable value, and the class names
# the common publishing systems give it (WordPress "entry-date"/"posted-on", "byline", "dateline",
# "article-meta" ...).
_DATELINE_XPATH = (
    "//time[not(@datetime)] | //*[self::span or self::div or self::p or self::small or self::li]"
    "[contains(@class, 'date') or contains(@class, 'time') or contains(@class, 'publish')"
    " or contains(@class, 'posted') or contains(@class, 'byline') or contains(@class, 'meta')"
    " or @itemprop='datePublished']"
)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}\s?[:h.]\s?\d{2}\b|\b\d{1,2}\s?[ap]\.?m\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")
_MAX_DATELINE_CHARS = 160
# What dateparser misreads in datelines as typeset pages show them: an offset written with a
# typographic minus or dash ("UTC−3", lost: the time is read as local), and French typography's
# spaced hour sign ("16 h 05", read as a date and a separate time).
_TYPESET_MINUS = re.compile(r"(?<=UTC|GMT)\s?[−–—‒]\s?(?=\d)")
_SPACED_HOUR = re.compile(r"\b(\d{1,2})\s+h\s+(\d{2})\b")
_DATEPARSER = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month", "year"]}


def _datelines(tree) -> list[str]:
    """Short texts where the page may show its date in words (each holding a year)."""
    texts = []
    for node in tree.xpath(_DATELINE_XPATH)[:8]:
        text = _text(node)
        if text and len(text) <= _MAX_DATELINE_CHARS and _YEAR.search(text):
            texts.append(text)
    return list(dict.fromkeys(texts))


def _shown_date(texts: list[str], lang: str | None) -> str | None:
    """The publication time a page shows in words, in its language: 'Publié le 3 mars 2017 à
    14h20', 'March 3, 2017 2:20 pm EST'. ISO 8601 with the time and offset where shown, the date
    alone where only a date is; the earliest of the dateline (published before updated).

    Parsed by dateparser (any language, time zones by name or offset); it is slow, so it is
    asked only about short datelines holding a year, in the page's language."""
    from dateparser.search import search_dates  # a second to import: only when a page needs it

    languages = [lang, "en"] if lang and lang != "en" else ["en"]
    found = []
    for text in texts:
        text = _SPACED_HOUR.sub(r"\1h\2", _TYPESET_MINUS.sub("-", text))
        try:
            matches = search_dates(text, languages=languages, settings=_DATEPARSER) or []
        except Exception as err:  # noqa: BLE001 - a heuristic; a crash must not lose the article
            log.debug("dateparser failed on %r: %s", text, err)
            continue
        for matched, moment in matches:
            if _YEAR.search(matched) and 1990 <= moment.year <= date.today().year + 1:
                found.append((matched, moment))
    if not found:
        return None
    matched, moment = min(found, key=lambda m: m[1].replace(tzinfo=None))
    if not _TIME_OF_DAY.search(matched):
        return moment.date().isoformat()
    return moment.replace(microsecond=0).isoformat()


def _time_elements(tree) -> Iterator:
    """<time datetime> elements, the ones marked as the publication date first."""
    marked = tree.xpath(
        "//time[@datetime][@pubdate or @itemprop='datePublished' or contains(@class, 'publish')]"
    )
    scoped = tree.xpath("//article//time[@datetime] | //main//time[@datetime]")
    yield from marked
    yield from scoped
    yield from tree.xpath("//time[@datetime]")


# -- canonical URL and attribution --------------------------------------------------------------


def _canonical(tree, metas: dict[str, str], url: str) -> str | None:
    hrefs = tree.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    )
    for href in [*hrefs, metas.get("og:url")]:
        if href and href.strip():
            absolute = urljoin(url, href.strip())
            if absolute.startswith(("http://", "https://")):
                return clean_url(absolute)
    return None


def _drop_canonical(tree) -> None:
    for el in tree.xpath("//link[contains(@rel, 'canonical')] | //meta[@property='og:url']"):
        el.drop_tree()


def _block_of(node) -> Any:
    while node is not None and node.tag not in _BLOCK_TAGS:
        node = node.getparent()
    return node


def _attribution(tree, url: str, page_site: str) -> tuple[str | None, str | None]:
    """(URL, outlet name) from credit lines such as 'originally published at <a>Outlet</a>'."""
    body = tree.find("body")
    if body is None:
        return None, None
    best: tuple[int, str | None, str | None] | None = None
    for node in _attribution_candidates(body):
        if not _ANY_ATTRIBUTION.search(node):
            continue
        for rank, phrase in enumerate(_ATTRIBUTION[: best[0] if best else None]):
            match = phrase.search(str(node))
            if not match:
                continue
            parent = node.getparent()
            block = _block_of(parent.getparent() if node.is_tail else parent)
            block_text = _text(block) if block is not None else ""
            if not block_text or len(block_text) > _MAX_CREDIT_CHARS:
                continue
            if _in_teaser(block, url, page_site):
                continue  # another article's teaser, with its own credit line
            if rank == 2 and not phrase.match(block_text):
                continue  # "Source:" must open the block
            found = _credit(block, block_text, match.group(0), rank, url, page_site)
            if found is not None:
                best = (rank, *found)
                break
        if best is not None and best[0] == 0:
            break
    return (best[1], best[2]) if best else (None, None)


def _attribution_candidates(body) -> list:
    """The text nodes, in page order, that an attribution phrase may be found in: those a match
    on the case-folded text of the page touches."""
    nodes = body.xpath(".//text()[normalize-space()]")
    folded = [str(node).casefold() for node in nodes]
    ends = list(itertools.accumulate(len(text) + 1 for text in folded))  # +1: the newline
    touched: set[int] = set()
    for match in _ATTRIBUTION_HINT.finditer("\n".join(folded)):
        first = bisect.bisect_right(ends, match.start())
        last = bisect.bisect_right(ends, max(match.start(), match.end() - 1))
        touched.update(range(first, last + 1))
    return [nodes[i] for i in sorted(touched) if i < len(nodes)]


def _in_teaser(block, url: str, page_site: str) -> bool:
    """Whether a block sits in a sidebar or navigation, or in a list item or teaser that links
    to another page of the same site (a related or most-read story, whose credit is its own)."""
    if any(a.tag in ("aside", "nav") for a in block.iterancestors()):
        return True
    item = block if block.tag == "li" else next(block.iterancestors("li"), None)
    for node in (block, item):
        if node is None or len(_text(node)) > _MAX_TEASER_CHARS:
            continue  # a page laid out as one list item is not a teaser
        for a in node.iter("a"):
            href = urljoin(url, (a.get("href") or "").strip())
            if not href.startswith(("http://", "https://")):
                continue
            try:
                target = clean_url(href)
            except ValueError:
                continue
            if site_id(target) == page_site and target != clean_url(url) and _text(a):
                return True
    return False


def _credit(
    block, block_text: str, phrase: str, rank: int, url: str, page_site: str
) -> tuple[str | None, str | None] | None:
    """The linked URL and the outlet named in a credit block, or None when it names nothing."""
    links = []
    for a in block.iter("a"):
        href = urljoin(url, (a.get("href") or "").strip())
        if href.startswith(("http://", "https://")):
            links.append((clean_url(href), _text(a)))
    elsewhere = [link for link in links if site_id(link[0]) != page_site]
    link_url, link_name = (elsewhere or links or [(None, "")])[0]
    phrase = phrase.strip().lower()
    if rank == 2:
        # "Source:" / "Via" count only as a bare credit: the block is little more than the link.
        rest = block_text[len(phrase) :].strip(" .:")
        if link_url is None or len(rest) > 80 or len(link_name) < len(rest) / 2:
            return None
    if link_name and phrase not in link_name.lower():
        name = _outlet_name(link_name)
    else:  # the phrase itself is in the link ("Continue reading at Outlet"): name follows it
        start = block_text.lower().find(phrase)
        name = _outlet_name(block_text[start + len(phrase) :]) if start >= 0 else None
    if link_url is None and not name:
        return None
    return link_url, name


def _outlet_name(text: str) -> str | None:
    """A short outlet name: text up to the first sentence punctuation, trimmed."""
    name = _NAME_END.split(text.strip(), maxsplit=1)[0].strip(" \"'“”‘’")
    if not name or len(name) > 80 or name.startswith(("http://", "https://")):
        return None
    return name


# -- signals -------------------------------------------------------------------------------------


def _main_region(tree) -> Any:
    """The single <article>, else <main> (or role=main), else <body>."""
    articles = tree.xpath("//article")
    if len(articles) == 1:
        return articles[0]
    mains = tree.xpath("//main | //*[@role='main']")
    return mains[0] if mains else tree.find("body")


def _link_density(tree) -> float:
    """Share of the main region's text that sits inside links (high on listings)."""
    region = _main_region(tree)
    if region is None:
        return 0.0
    skip = {"nav", "header", "footer", "aside", "form"} if region.tag == "body" else set()
    total = linked = 0
    for node in region.xpath(".//text()"):
        parent = node.getparent()
        owner = parent.getparent() if node.is_tail else parent
        length = len(node.strip())
        if not length or any(a.tag in skip for a in owner.iterancestors()) or owner.tag in skip:
            continue
        total += length
        if owner.tag == "a" or any(a.tag == "a" for a in owner.iterancestors()):
            linked += length
    return round(linked / total, 3) if total else 0.0
