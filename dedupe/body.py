"""The article body of a parsed page: markup fixes that trafilatura needs, then its main text.

`tidy(tree)` repairs what makes trafilatura lose or keep the wrong text on real pages, in place;
`main_text(tree, url)` is the body, one block per line; `declared_body` weighs it against the
page's JSON-LD articleBody.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator

import lxml.etree
import lxml.html
import trafilatura

from .urls import site_id

_WORD = re.compile(r"\w+")
# Below this many words the fast pass may have missed the body: run trafilatura's fallbacks too.
_FAST_ENOUGH_WORDS = 150
# The JSON-LD articleBody replaces the text found when the text has under this share of its
# words, and both the text found and the page's visible text hold this share of its 4-grams.
_DECLARED_MUCH_LONGER = 0.6
_DECLARED_AGREES = 0.8
# A line trafilatura's default mode adds inside the precise text is left out when more than this
# share of its word 4-grams is there already (a teaser repeating the story) ...
_MAX_REPEATED_SHARE = 0.5
# ... or when it is shouted: a line this long in capitals is a call to click, not a heading.
_SHOUTED_LETTERS = 12
_SHOUTED_SHARE = 0.8
# ... or when the page shows it as a link (see _link_lines).
_BLOCK_TAGS = ("p", "div", "li", "td", "dd", "dt", "blockquote", "figcaption", "span", "a")
_BLOCK_TAGS += ("h2", "h3", "h4", "h5", "h6", "strong", "b", "em")
_SUBHEADS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_MIN_LINKED_SHARE = 0.5
_FEW_WORDS = 5
_TEXT_BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt", "figcaption")
# A list of other stories: lines of at most this many words, each a link to the same site.
_HEADLINE_WORDS = 16

# Posts quoted from social networks: their markup carries the quote, but their wrappers' classes
# ("social-embed", "embed-twitter") read to trafilatura as share buttons.
_EMBEDDED_POSTS = lxml.etree.XPath(
    "//blockquote[contains(@class, 'twitter-tweet') or contains(@class, 'instagram-media')"
    " or contains(@class, 'tiktok-embed') or contains(@class, 'bluesky-embed')"
    " or contains(@class, 'mastodon-embed') or contains(@class, 'threads-post')]"
)
# A card that pops up over a name in a paragraph (more stories about that person): hidden by the
# page's stylesheet, it is nothing but links, nested in the prose.
_INLINE_CARDS = lxml.etree.XPath("//p//*[self::span or self::div][count(.//a) >= 3]")
_MIN_CARD_LINKED_SHARE = 0.8
# Inline markup in a paragraph whose class names say it is not the sentence's words.
_NOT_PROSE = re.compile(
    r"caption|credit|hidden|sr-only|visually|screen-?reader|photo|image|media", re.I
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")
_INLINE_IN_CJK = lxml.etree.XPath(
    "//body//*[self::a or self::span or self::em or self::strong or self::b or self::i"
    " or self::code or self::mark]"
)
_INLINE_IN_PARAGRAPHS = lxml.etree.XPath(
    "//p//*[self::span or self::a or self::em or self::strong or self::b or self::i][@class or @id]"
)


def tidy(tree: lxml.html.HtmlElement) -> None:
    """Fix, in place, markup that makes trafilatura lose body text or keep hidden text."""
    # Comments go, their tails stay: a page rendered by React splits sentences with "<!-- -->",
    # and trafilatura drops the text after a comment.
    lxml.etree.strip_tags(tree, lxml.etree.Comment)
    for post in _EMBEDDED_POSTS(tree):
        _unmark_wrappers(post)
    for inline in _INLINE_IN_PARAGRAPHS(tree):
        if not _NOT_PROSE.search(f"{inline.get('class', '')} {inline.get('id', '')}"):
            inline.attrib.pop("class", None)  # a link in a sentence is part of the sentence
            inline.attrib.pop("id", None)
    if _CJK.search(tree.xpath("string(/html/body)")):
        for inline in _INLINE_IN_CJK(tree):
            _space_from_cjk(inline)
    for card in reversed(_INLINE_CARDS(tree)):  # innermost first: the name link stays
        if _is_card(card):
            card.drop_tree()  # keeps the card's tail: the sentence goes on after it


def _space_from_cjk(inline: lxml.html.HtmlElement) -> None:
    """A space where markup puts Latin letters or digits against Chinese, Japanese or Korean
    (the usual typesetting; without it, the words run into one token for every word counter)."""
    words = inline.text_content()
    if not words.strip():
        return
    previous, parent = inline.getprevious(), inline.getparent()
    before = (previous.tail if previous is not None else parent.text) or ""
    if before and _mixes(before[-1], words[0]):
        if previous is not None:
            previous.tail = before + " "
        else:
            parent.text = before + " "
    after = inline.tail or ""
    if after and _mixes(words[-1], after[0]):
        inline.tail = " " + after


def _mixes(left: str, right: str) -> bool:
    return bool(
        (_CJK.match(left) and _LATIN_OR_DIGIT.match(right))
        or (_LATIN_OR_DIGIT.match(left) and _CJK.match(right))
    )


def _unmark_wrappers(post: lxml.html.HtmlElement) -> None:
    """Take the class and id off a quoted post and the wrappers that hold nothing else."""
    own = _squash(post.text_content())
    node = post
    while node is not None and node.tag not in ("body", "html", "article", "main"):
        if _squash(node.text_content()) != own:
            break
        for attr in ("class", "id"):
            node.attrib.pop(attr, None)
        node = node.getparent()


def _is_card(element: lxml.html.HtmlElement) -> bool:
    # Counted again here: an inner card dropped already leaves its holder with one link, the name.
    links = sum(1 for _ in element.iter("a"))
    return links >= 3 and _linked_share(element) >= _MIN_CARD_LINKED_SHARE


def _squash(text: str) -> str:
    return "".join(text.split())


def _linked_share(element: lxml.html.HtmlElement) -> float:
    total = len(_squash(element.text_content()))
    linked = sum(len(_squash(a.text_content())) for a in element.iter("a"))
    return linked / total if total else 0.0


def main_text(tree: lxml.html.HtmlElement, url: str) -> str:
    """The body, one block per line: trafilatura's precise text, its holes filled, without lists
    of other stories.

    Precision mode finds where the article starts and ends, but inside it drops subheads, list
    items and short lines that the default mode keeps. The default mode's lines are taken only
    where they fall between two lines of the precise text, and only when they are new text, not
    shouted, and not shown as a link (a teaser to the same site, a short credit).
    """
    precise = ""
    for fast in (True, False):
        precise = _trafilatura(tree, url, fast=fast, favor_precision=True)
        if len(_WORD.findall(precise)) >= _FAST_ENOUGH_WORDS:
            break
    if not precise:
        return precise
    text = precise
    if _has_holes(precise, tree, url):
        text = _fill_holes(precise, _trafilatura(tree, url, fast=True), tree, url)
    return _without_teaser_lists(text, tree, url)


def _has_holes(text: str, tree: lxml.html.HtmlElement, url: str) -> bool:
    """Whether the page shows a block the default mode could add to the precise text: a block in
    the text's own flow (beside one the text holds, under the same parent), between the first and
    the last block the text holds, missing from it, and new prose that is not a link (what
    `_fill_holes` keeps). Bounded by paragraphs (blocks that end a sentence), not labels: the
    byline and dateline between a kept kicker or headline and the first paragraph are no hole.
    Only then is the default-mode pass (a third of extraction's time) run.

    Blocks are the page's text blocks and the divs that hold only inline content (pages that set
    their paragraphs as divs); the region is the single <article> or <main>, else the body."""
    articles = tree.xpath("//article")
    regions = articles if len(articles) == 1 else tree.xpath("//main")
    region = regions[0] if len(regions) == 1 else tree.find("body")
    if region is None:
        return True
    blocks = [(block, block.text_content()) for block in _text_blocks(region)]
    kept = _squash_words(text)
    found = [bool(key) and key in kept for key in (_squash_words(words) for _, words in blocks)]
    prose = [
        hit and block.tag not in _SUBHEADS and bool(_SENTENCE_END.search(words))
        for (block, words), hit in zip(blocks, found, strict=True)
    ]
    bounds = prose if True in prose else found  # a text of labels only: bounded by them
    if True not in bounds:
        return True  # the text is not in blocks we can see: let the default mode look
    first, last = bounds.index(True), len(bounds) - bounds[::-1].index(True)
    flows = {_flow_parent(block) for (block, _), hit in zip(blocks, found, strict=True) if hit}
    kept_grams, site = None, site_id(url)
    for (block, words), hit in zip(blocks[first:last], found[first:last], strict=True):
        if hit or _flow_parent(block) not in flows:
            continue
        key = _squash_words(words)
        kept_grams = kept_grams or _grams(text)
        if (
            key
            and _is_new_prose(" ".join(words.split()), kept_grams)
            and not _shown_as_link(_outermost(block, key), site)
        ):
            return True
    return False


# A kept block that ends a sentence (not a heading) is a paragraph; a kicker or a label does not.
_SENTENCE_END = re.compile(r"[.!?…。！？؟।][\"'”’»)\]]*\s*$")
_INLINE_ONLY = frozenset({"div", "section", "td"})
_BLOCK_CHILDREN = frozenset(_TEXT_BLOCKS) | {"div", "section", "article", "ul", "ol", "table"}
_BLOCK_CHILDREN |= {"h1", "figure", "aside", "header", "footer", "nav", "form", "dl", "pre"}


def _text_blocks(region: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """Text blocks, and divs (sections, cells) that hold only inline content."""
    for element in region.iter():
        tag = element.tag
        if tag in _TEXT_BLOCKS or (
            tag in _INLINE_ONLY and not any(child.tag in _BLOCK_CHILDREN for child in element)
        ):
            yield element


def _flow_parent(block: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element whose children make the flow a block belongs to (a list item: its list's)."""
    parent = block.getparent()
    if block.tag == "li" and parent is not None and parent.tag in ("ul", "ol"):
        parent = parent.getparent()
    return parent


def _without_teaser_lists(text: str, tree: lxml.html.HtmlElement, url: str) -> str:
    """The text without its lists of other stories: two or more lines in a row, each a headline's
    length and each the text of a link to another page of the same site."""
    lines = text.split("\n")
    short = [
        _squash_words(line.removeprefix("- "))
        if len(_WORD.findall(line)) <= _HEADLINE_WORDS
        else ""
        for line in lines
    ]
    if not any(a and b for a, b in zip(short, short[1:], strict=False)):
        return text  # no two short lines in a row: no list to look for
    teasers = _same_site_link_texts(tree, url, set(short) - {""})
    flags = [key in teasers for key in short]
    keep, start = [], 0
    while start < len(lines):
        end = start + 1
        while end < len(lines) and flags[end] == flags[start]:
            end += 1
        if not (flags[start] and end - start >= 2):
            keep += lines[start:end]
        start = end
    return "\n".join(keep)


def _same_site_link_texts(tree: lxml.html.HtmlElement, url: str, wanted: set[str]) -> set[str]:
    """Those of `wanted` (squashed texts) that are the text of a link to the page's own site."""
    site, found = site_id(url), set()
    for a in tree.iter("a"):
        key = _squash_words(a.text_content())
        if key in wanted and key not in found and _same_site(a.get("href") or "", site):
            found.add(key)
    return found


def _same_site(href: str, site: str) -> bool:
    href = href.strip()
    if href.startswith(("http://", "https://", "//")):
        return site_id(href if href[0] != "/" else f"http:{href}") == site
    return bool(href) and not href.startswith(("#", "mailto:", "javascript:", "tel:"))


def declared_body(text: str, declared: object, tree: lxml.html.HtmlElement) -> str:
    """The JSON-LD articleBody instead of `text` when the evidence says trafilatura lost most of
    the body: the declared body is much longer, holds what was found, and is what the page shows
    (not a teaser, nor text kept behind a paywall)."""
    if not isinstance(declared, str) or not declared.strip():
        return text
    body = _blocks(declared)
    body_grams = _grams(body)
    if len(_WORD.findall(text)) >= _DECLARED_MUCH_LONGER * len(_WORD.findall(body)):
        return text
    if _WORD.search(text) and _share_in(_grams(text), body_grams) < _DECLARED_AGREES:
        return text  # (when nothing was found, there is nothing it must hold)
    shown = " ".join(tree.xpath("//body//text()[not(ancestor::script)]"))
    if _share_in(body_grams, _grams(shown)) < _DECLARED_AGREES:
        return text
    return body


def _share_in(grams: Counter, other: Counter) -> float:
    total = sum(grams.values())
    return sum((grams & other).values()) / total if total else 0.0


def _trafilatura(tree: lxml.html.HtmlElement, url: str, **options) -> str:
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        **options,
    )
    return _blocks(doc.text if doc is not None else "")


def _blocks(text: str) -> str:
    """One stripped, non-empty block per line."""
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _fill_holes(precise: str, fuller: str, tree: lxml.html.HtmlElement, url: str) -> str:
    kept, more = precise.split("\n"), fuller.split("\n")
    matcher = difflib.SequenceMatcher(None, kept, more, autojunk=False)
    kept_grams = _grams(precise)
    holes: list[tuple[int, list[str]]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("insert", "replace") and i1 > 0 and i2 < len(kept):
            new = [line for line in more[j1:j2] if _is_new_prose(line, kept_grams)]
            if new:
                holes.append((i2, new))
    if not holes:
        return precise
    linky = _link_lines(tree, url, {_squash_words(line) for _, new in holes for line in new})
    out, start = [], 0
    for end, new in holes:
        out += kept[start:end]  # every line of the precise text stays, in its place
        out += [line for line in new if _squash_words(line) not in linky]
        start = end
    return "\n".join(out + kept[start:])


def _is_new_prose(line: str, kept_grams: Counter) -> bool:
    """Not empty, not shouted, not mostly a repeat of the precise text."""
    text = line.removeprefix("- ")
    if not _WORD.search(text):
        return False
    letters = [c for c in text if c.isalpha()]
    shouted = sum(c.isupper() for c in letters) > _SHOUTED_SHARE * len(letters)
    if shouted and len(letters) >= _SHOUTED_LETTERS:
        return False
    grams = _grams(text)
    repeated = sum((grams & kept_grams).values())
    return repeated <= _MAX_REPEATED_SHARE * sum(grams.values())


def _grams(text: str, n: int = 4) -> Counter:
    words = _WORD.findall(text.lower())
    return Counter(tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))


def _squash_words(text: str) -> str:
    return "".join(_WORD.findall(text.lower()))


def _link_lines(tree: lxml.html.HtmlElement, url: str, lines: set[str]) -> set[str]:
    """Those of `lines` that the page shows as links, not text: a block (not a subhead) mostly
    made of links to its own site (a teaser), or of a few words and mostly links (a credit, a
    crumb)."""
    site, seen, linky = site_id(url), set(), set()
    for block in tree.iter(*_BLOCK_TAGS):
        key = _squash_words(block.text_content())
        if key not in lines or key in seen:
            continue
        seen.add(key)  # the outermost block holding just this text decides
        if _shown_as_link(block, site):
            linky.add(key)
    return linky


def _shown_as_link(block: lxml.html.HtmlElement, site: str) -> bool:
    if block.tag in _SUBHEADS:
        return False
    inside = list(block.iterancestors("a"))
    if not inside and _linked_share(block) < _MIN_LINKED_SHARE:
        return False
    links = inside or list(block.iter("a"))
    own_site = any(_same_site(a.get("href") or "", site) for a in links)
    return own_site or len(_WORD.findall(block.text_content())) < _FEW_WORDS


def _outermost(block: lxml.html.HtmlElement, key: str) -> lxml.html.HtmlElement:
    """The outermost element around a block that holds just its text (as `_link_lines` looks)."""
    for parent in block.iterancestors(*_BLOCK_TAGS):
        if _squash_words(parent.text_content()) != key:
            break
        block = parent
    return block
