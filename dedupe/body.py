"""The article body of a parsed page: markup fixes that trafilatura needs, then its main text.

`tidy(tree)` repairs what makes trafilatura lose or keep the wrong text on real pages, in place;
`main_text(tree, url)` is the body, one block per line.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

_WORD = re.compile(r"\w+")

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


def tidy(tree: lxml.html.HtmlElement) -> None:
    """Fix, in place, markup that makes trafilatura lose body text or keep hidden text."""
    # Comments go, their tails stay: a page rendered by React splits sentences with "<!-- -->",
    # and trafilatura drops the text after a comment.
    lxml.etree.strip_tags(tree, lxml.etree.Comment)
    for post in _EMBEDDED_POSTS(tree):
        _unmark_wrappers(post)
    for card in reversed(_INLINE_CARDS(tree)):  # innermost first: the name link stays
        if _is_card(card):
            card.drop_tree()  # keeps the card's tail: the sentence goes on after it


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
