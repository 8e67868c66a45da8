"""Listings are told from articles by the page's structure, whatever the template: invented pages
in several layouts go through the crawl's own page processing (extract, structure, classify)."""

from __future__ import annotations

import json
from html import escape

import pytest

from crawler.detect import classify
from crawler.extraction import process_page
from crawler.structure import analyse, title_like
from crosspost.demo.writer import Writer

SITE = "ledger.test"
BASE = f"http://{SITE}"


@pytest.fixture(scope="module")
def drafts():
    writer = Writer(31)
    return [writer.news("The Harbour Ledger") for _ in range(12)]


def teaser(draft, words: int = 30) -> str:
    return " ".join(" ".join(draft.paragraphs).split()[:words]) + " …"


def href(draft) -> str:
    return "/stories/" + "-".join(draft.title.lower().split()[:6]).replace("'", "") + "/"


def page(main: str, *, title: str = "The Harbour Ledger", head: str = "", side: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title>{head}</head><body>"
        '<header><a href="/">The Harbour Ledger</a><nav><a href="/news/">News</a> '
        '<a href="/about/">About</a></nav></header>'
        f"<div class=wrap><main>{main}</main><aside>{side}</aside></div>"
        "<footer><p>© The Harbour Ledger</p></footer></body></html>"
    )


def outcome(html: str, url: str = BASE + "/x/") -> dict:
    return process_page(html, url, SITE, 5_000_000)


def sidebar(drafts) -> str:
    items = "".join(
        f'<li><a href="{href(d)}">{escape(d.title)}</a> <span>{escape(teaser(d, 25))}</span></li>'
        for d in drafts[:6]
    )
    return f"<h3>Most read</h3><ol>{items}</ol>"


def test_long_teasers_in_wrapped_items_are_a_listing(drafts):
    items = "".join(
        f'<div class="teaser"><h2><a href="{href(d)}">{escape(d.title)}</a></h2>'
        f"<p>{escape(teaser(d, 40))}</p></div>"
        for d in drafts[:10]
    )
    html = page(f"<h1>Latest</h1>{items}<div class=pager><a href='/page/2/'>Older</a></div>")
    result = outcome(html, BASE + "/")
    assert (result["outcome"], result["reason"]) == ("listing", "repeated-items")
    assert len(result["targets"]) == 10


def test_flat_runs_of_heading_and_teaser_are_a_listing(drafts):
    items = "".join(
        f'<h3><a href="{href(d)}">{escape(d.title)}</a></h3><p>{escape(teaser(d, 50))}</p>'
        for d in drafts[:8]
    )
    result = outcome(page(f"<h1>Section: Energy</h1>{items}"), BASE + "/section/energy/")
    assert result["outcome"] == "listing"


def test_cards_with_an_unlinked_heading_and_a_read_more_link_are_a_listing(drafts):
    items = "".join(
        f'<div class="card"><img src="/i/{i}.jpg" alt=""><h3>{escape(d.title)}</h3>'
        f'<p>{escape(teaser(d, 40))}</p><a href="{href(d)}">Read more</a></div>'
        for i, d in enumerate(drafts[:6])
    )
    result = outcome(page(f"<h1>Opinion</h1><div class=grid>{items}</div>"), BASE + "/opinion/")
    assert result["outcome"] == "listing"


def test_a_tag_page_with_one_long_teaser_is_a_listing(drafts):
    d = drafts[2]
    item = (
        f'<div class="post"><h2><a href="{href(d)}">{escape(d.title)}</a></h2><p>By Ann Lee '
        f'<time datetime="2026-11-04">Nov 4</time></p><p>{escape(teaser(d, 60))}</p></div>'
    )
    result = outcome(page(f"<h1>Tag: dredging</h1>{item}"), BASE + "/tag/dredging/")
    assert result["outcome"] == "listing"


def test_tag_pages_of_dated_list_items_with_teasers_are_a_listing(drafts):
    items = "".join(
        f'<li class="entry"><time datetime="2026-11-0{i + 1}">Nov {i + 1}</time> '
        f'<a href="{href(d)}">{escape(d.title)}</a> by <a href="/author/x/">Ann Lee</a>'
        f"<p>{escape(teaser(d, 35))}</p></li>"
        for i, d in enumerate(drafts[:7])
    )
    result = outcome(page(f"<h1>Tag: harbour</h1><ul>{items}</ul>"), BASE + "/tag/harbour/")
    assert result["outcome"] == "listing"


def test_a_short_dated_brief_beside_a_big_sidebar_is_an_article(drafts):
    brief = drafts[11]
    words = " ".join(brief.paragraphs).split()[:70]
    body = f"<p>{escape(' '.join(words[:40]))}</p><p>{escape(' '.join(words[40:]))}</p>"
    main = (
        f"<article><h1>{escape(brief.title)}</h1><p class=byline>By Ann Lee "
        f'<time datetime="2026-11-05T09:00:00">5 November 2026</time></p>{body}</article>'
    )
    html = page(main, title=brief.title, side=sidebar(drafts))
    result = outcome(html, BASE + href(brief))
    assert (result["outcome"], result["reason"]) == ("article", "dated-text")
    assert result["text"].split()[:5] == words[:5]


def test_an_article_whose_paragraphs_each_carry_a_link_is_not_a_listing(drafts):
    draft = drafts[3]
    paragraphs = "".join(
        f"<p>{escape(p)} More in <a href='{href(d)}'>{escape(d.title)}</a>.</p>"
        for p, d in zip(draft.paragraphs, drafts, strict=False)
    )
    main = (
        f"<article><h1>{escape(draft.title)}</h1><p class=byline>By Ann Lee</p>{paragraphs}"
        "</article>"
    )
    head = '<meta property="og:type" content="article">'
    result = outcome(page(main, title=draft.title, head=head, side=sidebar(drafts)))
    assert (result["outcome"], result["reason"]) == ("article", "declared")


def test_an_article_in_sections_each_citing_one_source_is_not_a_listing(drafts):
    draft = drafts[4]
    sections = "".join(
        f"<section><h3>Part {n}</h3><p>{escape(p)} The <a href='/reports/{n}/'>report</a> "
        "says so.</p></section>"
        for n, p in enumerate(draft.paragraphs)
    )
    main = f"<article><h1>{escape(draft.title)}</h1><p>By Ann Lee</p>{sections}</article>"
    result = outcome(page(main, title=draft.title), BASE + href(draft))
    assert result["outcome"] == "article", result["reason"]


def test_a_page_declared_a_collection_is_a_listing(drafts):
    data = {"@context": "https://schema.org", "@type": "CollectionPage", "name": "Energy"}
    head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    intro = " ".join(" ".join(drafts[0].paragraphs).split()[:120])
    result = outcome(page(f"<h1>Energy</h1><p>{escape(intro)}</p>", head=head))
    assert (result["outcome"], result["reason"]) == ("listing", "declared-collection")


def test_an_undated_undeclared_short_page_waits_for_the_url_shape(drafts):
    text = " ".join(" ".join(drafts[5].paragraphs).split()[:80])
    main = f"<article><h1>{escape(drafts[5].title)}</h1><p>{escape(text)}</p></article>"
    result = outcome(page(main, title=drafts[5].title, side=sidebar(drafts)))
    assert result["outcome"] == "other" and result["needs_shape"]
    assert result["later"]["outcome"] == "article"


def test_calendar_and_pager_links_are_not_headlines_nor_items():
    assert not title_like("5") and not title_like("October 2026") and not title_like("Older »")
    assert title_like("Harbour council votes on dredging") and title_like("港口议会投票决定疏浚")
    days = "".join(f'<td><a href="/archive/2026/11/{d:02d}/">{d}</a></td>' for d in range(1, 29))
    html = page(f"<h1>November 2026</h1><table><tr>{days}</tr></table>")
    assert analyse(html, BASE + "/archive/2026/11/", "November 2026").items == 0


def test_structure_decides_however_long_the_teasers():
    base = {"word_count": 600, "paragraphs": 10, "link_density": 0.1, "own_date": True}
    assert classify(base | {"item_share": 0.9}) == ("listing", "repeated-items")
    assert classify(base | {"item_share": 0.3, "paginated": True})[0] == "listing"
    assert classify(base | {"item_share": 0.3})[0] == "article"
    assert classify(base | {"item_share": 0.3, "og_type": "website"})[0] == "listing"
    assert classify(base | {"item_share": 0.3, "jsonld_types": ["WebPage"]})[0] == "listing"
    declared = base | {"jsonld_types": ["NewsArticle"], "item_share": 0.6}
    assert classify(declared) == ("article", "declared")
