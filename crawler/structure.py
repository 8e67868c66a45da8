"""What a page's markup says about it, whatever the site's templates: a run of sibling items, each
led by a link of its own (a listing, however long its teasers), or one body of text (an article).

`analyse(html, url, main_text)` finds groups of sibling elements of the same tag and class, each
led by a link to a different page (a link in a heading, or a title-like link that does not sit
in running text), and single items headed by a link to another page (a tag page with one
teaser), and measures how much of the page's main text lies inside such items. It also
reads whether the page shows a date of its own (outside the items) and whether it is one page of
a paginated series (rel=next / rel=prev).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from dedupe.urls import clean_url

WORD = re.compile(r"\w+")
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# A run of fewer siblings is not a list of items (an article has two or three "see also" links).
MIN_ITEMS = 3
# Share of a group's leads that must point to different pages: a menu repeats no target, a list
# of teasers never does; a few repeats (an item linked twice, a featured item) are allowed.
MIN_DISTINCT = 0.8
SHINGLE = 3


@dataclass
class Structure:
    item_share: float = 0.0  # share of the main text that lies inside repeated link-led items
    items: int = 0  # items found on the page
    targets: list[str] = field(default_factory=list)  # where the items lead (absolute URLs)
    own_date: bool = False  # a date outside the items (<time>, article:published_time, ...)
    paginated: bool = False  # the page is one of a series (rel=next or rel=prev)

    def signals(self) -> dict:
        return {
            "item_share": round(self.item_share, 3),
            "items": self.items,
            "own_date": self.own_date,
            "paginated": self.paginated,
        }


def title_like(text: str) -> bool:
    """Link text that reads like a headline: three words or more (or a long run of CJK script),
    not a menu word, a page number, a month or "Read more"."""
    words = WORD.findall(text)
    if len(words) >= 3:
        return True
    return len(words) == 1 and len(words[0]) >= 6 and any(ord(c) >= 0x2E80 for c in words[0])


def analyse(html: str | bytes, url: str, main_text: str) -> Structure:
    """The structure of one page (see the module docstring); an unparsable page has none."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return Structure()
    for bad in tree.xpath("//script[not(@type='application/ld+json')]|//style|//noscript"):
        bad.drop_tree()
    selves = {clean_url(url)}
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    if canonical:
        selves.add(clean_url(urljoin(url, canonical[0].strip())))
    roots, targets = _items(tree, url, selves)
    # The list keeps lxml's element proxies alive, so that their ids stay theirs.
    held = [el for root in roots for el in root.iter()]
    inside = {id(el) for el in held}
    item_text = " ".join(root.text_content() for root in roots)
    return Structure(
        item_share=_share(main_text, item_text),
        items=len(targets),
        targets=sorted(set(targets)),
        own_date=_own_date(tree, inside),
        paginated=bool(
            tree.xpath(
                "//link[@rel='next' or @rel='prev' or @rel='previous']"
                " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
                " or contains(concat(' ', normalize-space(@rel), ' '), ' prev ')]"
            )
        ),
    )


# -- items --------------------------------------------------------------------------------------


def _items(tree, base_url: str, selves: set[str]) -> tuple[list, list[str]]:
    """(outermost item elements, their lead targets): groups of repeated items and single
    items headed by a link to another page. Links to the page itself lead nowhere else."""
    spans: list = []
    targets: list[str] = []
    for heading in tree.iter(*HEADINGS):
        anchor = next(
            (a for a in [*heading.iter("a"), *heading.iterancestors("a")] if a.get("href")), None
        )
        target = anchor is not None and _absolute(anchor.get("href"), base_url)
        parent = heading.getparent()
        if not target or clean_url(target) in selves or parent is None:
            continue
        if parent.tag in ("html", "body", "main") or next(parent.iter(*HEADINGS)) is not heading:
            continue  # the heading must open its container: a lone teaser, not a page or section
        spans.append(parent)
        targets.append(target)
    for parent in tree.iter():
        if not isinstance(parent.tag, str):
            continue
        children = [c for c in parent if isinstance(c.tag, str)]
        if len(children) < MIN_ITEMS:
            continue
        groups: dict[tuple, list[int]] = {}
        for position, child in enumerate(children):
            groups.setdefault(_signature(child), []).append(position)
        for positions in groups.values():
            if len(positions) < MIN_ITEMS:
                continue
            leads = {p: _lead(children[p], base_url, selves) for p in positions}
            led = [p for p in positions if leads[p]]
            distinct = {leads[p] for p in led}
            if len(led) < MIN_ITEMS or len(distinct) < MIN_DISTINCT * len(led):
                continue
            spans += _spans(children, positions, led)
            targets += [leads[p] for p in led]
    return _outermost(spans), targets


def _signature(el) -> tuple[str, tuple[str, ...]]:
    return el.tag, tuple(sorted((el.get("class") or "").split()))


def _spans(children: list, positions: list[int], led: list[int]) -> list:
    """The elements of each led item. Where items are flat runs of siblings (h2, p, h2, p ...),
    an item runs on to the next one; the last runs on as far as the others do."""
    reach = [b - a for a, b in zip(positions, positions[1:], strict=False)]
    last = positions[-1] + (round(statistics.median(reach)) if reach else 1)
    bounds = [*positions[1:], min(last, len(children))]
    out = []
    for start, end in zip(positions, bounds, strict=True):
        if start in led:
            out += children[start:end]
    return out


def _lead(item, base_url: str, selves: set[str]) -> str | None:
    """Where an item leads: its heading's link, else its first title-like link that is not part
    of running text (an inline link in a paragraph of an article), else, for an item with a
    heading, the one page all its links lead to ("Read more"); never the page itself."""
    anchors = [a for a in item.iter("a") if (a.get("href") or "").strip()]
    headed = [a for a in anchors if any(p.tag in HEADINGS for p in _up_to(a, item))]
    titled = [a for a in anchors if title_like(a.text_content()) and not _in_running_text(a, item)]
    for a in headed + titled:
        target = _absolute(a.get("href"), base_url)
        if target and clean_url(target) not in selves:
            return target
    targets = {_absolute(a.get("href"), base_url) for a in anchors} - {None}
    inline = any(_in_running_text(a, item) for a in anchors)
    if len(targets) == 1 and not inline and next(item.iter(*HEADINGS), None) is not None:
        (target,) = targets
        return target if clean_url(target) not in selves else None
    return None


def _up_to(el, top):
    """Ancestors of `el` up to and including `top` (none when `el` is `top`)."""
    if el is top:
        return
    for ancestor in el.iterancestors():
        yield ancestor
        if ancestor is top:
            return


def _in_running_text(a, item) -> bool:
    paragraph = next((p for p in _up_to(a, item) if p.tag == "p"), None)
    if paragraph is None:
        return False
    linked = sum(len(WORD.findall(x.text_content())) for x in paragraph.iter("a"))
    return len(WORD.findall(paragraph.text_content())) - linked >= linked


def _absolute(href: str, base_url: str) -> str | None:
    url = urljoin(base_url, href.strip())
    return url if urlsplit(url).scheme in ("http", "https") else None


def _outermost(elements: list) -> list:
    chosen = {id(el) for el in elements}
    out, seen = [], set()
    for el in elements:
        if id(el) in seen or any(id(a) in chosen for a in el.iterancestors()):
            continue
        seen.add(id(el))
        out.append(el)
    return out


# -- text and dates -----------------------------------------------------------------------------


def _shingles(text: str) -> list[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return [tuple(words)] if words else []
    return [tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


def _share(main_text: str, item_text: str) -> float:
    """Share of the main text's word triples that also occur inside the items."""
    main = _shingles(main_text)
    if not main or not item_text:
        return 0.0
    items = set(_shingles(item_text))
    return sum(s in items for s in main) / len(main)


def _own_date(tree, inside: set[int]) -> bool:
    """The page shows a date of its own: a <time> outside the items, or declares one."""
    if any(id(t) not in inside for t in tree.iter("time")):
        return True
    if tree.xpath("//meta[@property='article:published_time' or @name='date']/@content"):
        return True
    if any(id(el) not in inside for el in tree.xpath("//*[@itemprop='datePublished']")):
        return True
    return any(
        "datePublished" in (s.text or "")
        for s in tree.xpath("//script[@type='application/ld+json']")
    )
