"""Extraction on saved fixture pages (tests/fixtures/pages/*.html with *.truth.json) and edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedupe.boilerplate import learn, load_patterns, normalise, strip
from dedupe.errors import NotAnArticle
from dedupe.text import ARTICLE_TYPES, extract
from dedupe.urls import site_id

PAGES = Path(__file__).parent / "fixtures" / "pages"
FIXTURES = sorted(p.stem for p in PAGES.glob("*.html"))
ARTICLES = [
    n for n in FIXTURES if json.loads((PAGES / f"{n}.truth.json").read_text())["kind"] == "article"
]

FILLER = (
    "The ferry timetable for the winter season was printed on pale green card this year.",
    "Harbour staff said the change of colour was meant to stop people keeping last year's copy.",
    "Several skippers complained that the new card fades quickly when it is left in a wheelhouse.",
    "The harbour office has promised a laminated version before the first storms of December.",
)


def load(name: str) -> tuple[bytes, dict]:
    return (PAGES / f"{name}.html").read_bytes(), json.loads(
        (PAGES / f"{name}.truth.json").read_text()
    )


def page(body: str = "", head: str = "", paragraphs: tuple[str, ...] = FILLER) -> str:
    """A small article page: invented filler paragraphs plus `body` inside <article>."""
    paras = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Green cards</title>{head}"
        f"</head><body><article><h1>Green cards</h1>{paras}{body}</article></body></html>"
    )


def test_fixture_set_covers_the_templates():
    assert len(FIXTURES) >= 6
    for name in FIXTURES:
        assert (PAGES / f"{name}.truth.json").exists(), name


@pytest.mark.parametrize("name", ARTICLES)
def test_extract_gets_metadata_right(name):
    html, truth = load(name)
    got = extract(html, truth["url"])
    for key in ("title", "author", "published", "published_source"):
        assert got[key] == truth[key], key
    assert got["attribution_url"] == truth["attribution_url"]
    assert got["attribution_name"] == truth["attribution_name"]
    assert got["url"] == truth["url"]


@pytest.mark.parametrize("name", ARTICLES)
def test_extract_and_strip_keep_body_and_remove_boilerplate(name):
    html, truth = load(name)
    got = extract(html, truth["url"])
    stripped = strip(got["raw_text"], load_patterns())
    kept = stripped.text.split("\n")
    for paragraph in truth["body"]:
        assert paragraph in kept
    removed = dict(stripped.removed)
    for block in truth["boilerplate"]:
        assert block["text"] not in stripped.text
        if block["text"] in got["raw_text"].split("\n"):
            assert removed[block["text"]] == block["reason"]
    assert not any(reason for block, reason in stripped.removed if block in truth["body"])


def test_raw_text_is_one_block_per_line():
    html, truth = load("republished")
    lines = extract(html, truth["url"])["raw_text"].split("\n")
    assert lines[: len(truth["body"])] == truth["body"]
    assert all(line and line == line.strip() for line in lines)


def test_article_signals():
    html, truth = load("origin")
    signals = extract(html, truth["url"])["signals"]
    assert signals["og_type"] == "article"
    assert signals["jsonld_types"] == ["NewsArticle"]
    assert signals["word_count"] > 200
    assert signals["paragraphs"] >= 8
    assert signals["link_density"] < 0.1
    html, truth = load("aggregator")
    assert extract(html, truth["url"])["signals"]["has_time_element"] is True


def test_listing_signals_say_listing():
    html, truth = load("listing")
    got = extract(html, truth["url"])
    signals = got["signals"]
    assert signals["link_density"] > 0.3
    assert signals["og_type"] == "website"
    assert not {t.lower() for t in signals["jsonld_types"]} & ARTICLE_TYPES
    assert got["title"] == truth["title"]


def test_cp1252_page_decodes_quotes():
    html, truth = load("aggregator")
    assert b"\x93We were told" in html  # the fixture really is cp1252
    assert "“We were told this was the year,”" in extract(html, truth["url"])["raw_text"]


def test_control_characters_in_a_paragraph_keep_the_article():
    html, truth = load("controlchars")
    assert all(c in html for c in (b"\x01", b"\x08", b"\x1b", b"\x0c"))  # really in the fixture
    got = extract(html, truth["url"])
    assert got["title"] == truth["title"]
    assert got["raw_text"].split("\n")[: len(truth["body"])] == truth["body"]


@pytest.mark.parametrize(
    "char", [chr(c) for c in (*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFE, 0xFFFF)]
)
def test_any_control_character_is_cleaned_not_fatal(char):
    paragraph = "Harbour staff said the new timetable cards arrive on Friday."
    html = page(body=f"<p>Harbour staff said the new{char} timetable cards arrive on Friday.</p>")
    raw_text = extract(html, "https://h.example/x")["raw_text"]
    assert paragraph in raw_text.split("\n")
    assert char not in raw_text


def _cafe(meta: str = "") -> str:
    return page(body="<p>Caf\u00e9 owners met on Tuesday.</p>").replace(
        "<meta charset='utf-8'>", meta
    )


@pytest.mark.parametrize(
    "data",
    [
        _cafe().encode("latin-1"),  # undeclared, not UTF-8: cp1252
        _cafe().encode("utf-8"),  # undeclared UTF-8
        _cafe("<meta charset='iso-8859-1'>").encode("latin-1"),
        _cafe("<meta http-equiv='Content-Type' content='text/html; charset=utf-8'>").encode(),
        b"\xef\xbb\xbf" + _cafe().encode("utf-8"),
        _cafe().encode("utf-16"),  # with a byte order mark
    ],
    ids=["cp1252-guess", "utf8", "declared-latin1", "declared-utf8", "utf8-bom", "utf16-bom"],
)
def test_decoding(data):
    assert "Café owners met on Tuesday." in extract(data, "https://h.example/x")["raw_text"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        ("   \n ", "empty"),
        ("<html><head><title>x</title></head><body>  </body></html>", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"%PDF-1.7\n%\xe2\xe3", "binary"),
        (b"<html>\x00\x00\x00", "binary"),
        ('{"title": "not a page"}', "not-html"),
        ("Just some plain text with no markup at all.", "not-html"),
        (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title></channel></rss>",
            "not-html",
        ),
        (b"<meta charset='utf-8'><p>bad \x81\x8d\x90 bytes</p>", "bad-encoding"),
        ("<html><body><nav><a href='/a'>A</a></nav></body></html>", "no-main-text"),
    ],
)
def test_not_an_article_reasons(data, reason):
    with pytest.raises(NotAnArticle) as err:
        extract(data, "https://harbour.example/x")
    assert err.value.reason == reason


def test_too_large():
    html = page().encode()
    with pytest.raises(NotAnArticle) as err:
        extract(html, "https://harbour.example/x", max_bytes=len(html) - 1)
    assert err.value.reason == "too-large"
    assert extract(html, "https://harbour.example/x", max_bytes=len(html))["raw_text"]


@pytest.mark.parametrize(
    ("body", "url", "name"),
    [
        (
            "<p>Cet article a été publié initialement sur "
            "<a href='https://petitport.example/a'>Le Petit Port</a>.</p>",
            "https://petitport.example/a",
            "Le Petit Port",
        ),
        (
            "<p>Zuerst erschienen bei <a href='https://hafenblatt.example/x'>Hafenblatt</a>.</p>",
            "https://hafenblatt.example/x",
            "Hafenblatt",
        ),
        (
            "<p>Republished from <a href='https://tidewater.example/cards?utm_source=x'>Tidewater Post</a>"
            " with permission.</p>",
            "https://tidewater.example/cards",
            "Tidewater Post",
        ),
        (
            "<p><strong>Source:</strong> <a href='https://tidewater.example/cards'>Tidewater Post</a></p>",
            "https://tidewater.example/cards",
            "Tidewater Post",
        ),
        ("<p>Originally published at Tidewater Post.</p>", None, "Tidewater Post"),
        (
            "<p>Via <a href='https://tidewater.example/cards#top'>Tidewater Post</a></p>",
            "https://tidewater.example/cards",
            "Tidewater Post",
        ),
        # "Continue reading at" in other languages: WordPress's own translations.
        (
            "<p>Lire la suite sur <a href='https://petitport.example/a'>Le Petit Port</a></p>",
            "https://petitport.example/a",
            "Le Petit Port",
        ),
        (
            "<p>Seguir leyendo en <a href='https://elfaro.example/n/1'>El Faro del Sur</a></p>",
            "https://elfaro.example/n/1",
            "El Faro del Sur",
        ),
        (
            "<p>Weiterlesen bei <a href='https://hafenblatt.example/x'>Hafenblatt</a></p>",
            "https://hafenblatt.example/x",
            "Hafenblatt",
        ),
    ],
)
def test_attribution_forms(body, url, name):
    got = extract(page(body=body), "https://harbour.example/green-cards")
    assert (got["attribution_url"], got["attribution_name"]) == (url, name)


def test_prose_is_not_attribution():
    body = (
        "<p>Via the coast road the trip takes an hour, according to <a href='https://maps.example/'>"
        "a map</a> the harbour office sent out.</p>"
        "<p>Source: none of the skippers we asked had seen the laminated version yet, and several said"
        " they doubted it would arrive before the storms that usually close the harbour in December.</p>"
        # A bare "read more" link of another language names no outlet: not a credit.
        "<p>Leer más</p><p><a href='https://harbour.example/next'>Lire la suite</a></p>"
    )
    got = extract(page(body=body), "https://harbour.example/green-cards")
    assert got["attribution_url"] is None and got["attribution_name"] is None


def test_strong_phrase_beats_source_line():
    body = (
        "<p>Source: <a href='https://photos.example/'>Photo Desk</a></p>"
        "<p>This story first appeared on <a href='https://tidewater.example/c'>Tidewater Post</a>.</p>"
    )
    got = extract(page(body=body), "https://harbour.example/green-cards")
    assert got["attribution_name"] == "Tidewater Post"


def test_credit_lines_of_other_articles_teasers_are_not_the_page_s():
    # A "most read" sidebar and a related list quote other articles' openings, one of them an
    # editor's note crediting another outlet: that is the teased article's credit, not ours.
    teaser = (
        "<li><a href='https://harbour.example/ferry-fares'>Ferry fares rise again</a> "
        "<span>Editor's note: this piece first appeared on Tidewater Post.</span></li>"
    )
    html = page(body=f"<section class='related'><ul>{teaser}</ul></section>").replace(
        "</article>", f"</article><aside><h3>Most read</h3><ol>{teaser}</ol></aside>"
    )
    got = extract(html, "https://harbour.example/green-cards")
    assert (got["attribution_url"], got["attribution_name"]) == (None, None)
    # The page's own credit is still read, wherever it sits in the article.
    own = "<p>This story first appeared on <a href='https://tidewater.example/c'>Tidewater Post</a>.</p>"
    got = extract(
        html.replace("</article>", own + "</article>"), "https://harbour.example/green-cards"
    )
    assert got["attribution_name"] == "Tidewater Post"


def test_cross_domain_canonical_is_a_weak_attribution():
    head = "<link rel='canonical' href='https://tidewater.example/green-cards/'>"
    got = extract(page(head=head), "https://harbour.example/green-cards")
    assert got["canonical_url"] == "https://tidewater.example/green-cards/"
    assert got["attribution_url"] == "https://tidewater.example/green-cards/"
    assert got["attribution_name"] is None
    same = extract(page(head=head.replace("tidewater", "www.harbour")), "https://harbour.example/g")
    assert same["attribution_url"] is None


@pytest.mark.parametrize(
    ("head", "url", "published", "source"),
    [
        ("<meta name='date' content='2026-10-12'>", "https://h.example/x", "2026-10-12", "meta"),
        (
            "<meta property='article:published_time' content='Mon, 12 Oct 2026 09:30:00 GMT'>",
            "https://h.example/x",
            "2026-10-12T09:30:00+00:00",
            "meta",
        ),
        ("", "https://h.example/2026/10/12/green-cards/", "2026-10-12", "url"),
        ("", "https://h.example/green-cards", None, None),
    ],
)
def test_date_sources(head, url, published, source):
    got = extract(page(head=head), url)
    assert (got["published"], got["published_source"]) == (published, source)


def test_htmldate_fallback_finds_a_marked_up_date():
    body = "<p class='entry-date'>Posted on 12 October 2026</p>"
    got = extract(page(body=body), "https://h.example/green-cards")
    assert (got["published"], got["published_source"]) == ("2026-10-12", "htmldate")


def test_title_without_og_drops_site_suffix():
    html = page().replace(
        "<title>Green cards</title>", "<title>Green cards | Harbour Gazette</title>"
    )
    html = html.replace("<h1>Green cards</h1>", "")
    assert extract(html, "https://h.example/x")["title"] == "Green cards"


def test_learning_on_fixture_copies_keeps_the_copied_body():
    """Origin, republished copy, aggregator copy and excerpt are one piece on four sites."""
    rows = []
    for i, name in enumerate(ARTICLES):
        html, truth = load(name)
        rows.append((i, site_id(truth["url"]), extract(html, truth["url"])["raw_text"]))
    learned = learn(rows)  # no clusters known: copies are recognised by their shared blocks
    body = json.loads((PAGES / "origin.truth.json").read_text())["body"]
    assert all(learned.reason(normalise(p), None) is None for p in body)
    for _, site, raw in rows:
        kept = strip(raw, load_patterns(), learned, site).text.split("\n")
        assert [p for p in body if p in raw] == [p for p in body if p in kept]


def test_headline_is_not_part_of_the_text():
    got = extract(page(), "https://h.example/green-cards")
    assert got["title"] == "Green cards"
    assert got["raw_text"].split("\n") == list(FILLER)
    # Further down, a block that repeats the headline is text, not the headline.
    late = extract(page(body="<h2>Green cards</h2><p>" + FILLER[0] + "</p>"), "https://h.example/g")
    assert "Green cards" in late["raw_text"].split("\n")


@pytest.mark.parametrize(
    ("header", "byline"),
    [
        ("<header><h1>Green cards</h1><span class='author'>Jane Moss</span></header>", "Jane Moss"),
        ("<h1>Green cards</h1>", None),  # only the sidebar names someone: another story's author
    ],
)
def test_byline_comes_from_around_the_article_not_the_sidebar(header, byline):
    paras = "".join(f"<p>{p}</p>" for p in FILLER)
    html = (
        f"<html><head><title>Green cards</title></head><body><main>{header}<article>{paras}"
        "</article></main><aside><a rel='author' href='/staff/ola/'>Ola Berg</a></aside>"
        "</body></html>"
    )
    assert extract(html, "https://h.example/green-cards")["author"] == byline


@pytest.mark.parametrize("thread", ["<div class='replies'>", "<section id='comments'>"])
def test_reader_comments_are_not_text(thread):
    tag = thread[1 : thread.index(" ")]
    comments = (
        f"{thread}<h4>Comments (2)</h4><p>Good find, passing it on to the harbour group.</p>"
        f"<p>The green card faded on our boat within a week, sadly.</p></{tag}>"
    )
    lines = extract(page(body=comments), "https://h.example/green-cards")["raw_text"].split("\n")
    assert lines == list(FILLER)


@pytest.mark.parametrize(
    "lang, dateline, published",
    [
        ("fr", "Publié le 3 mars 2017 à 14h20", "2017-03-03T14:20:00"),
        ("de", "Veröffentlicht am 3. März 2017, 14:20 Uhr MEZ", "2017-03-03T14:20:00+01:00"),
        (
            "en",
            "By Ann Lee · March 3, 2017 at 2:20 pm EST · Updated March 4, 2017 9:00 am",
            "2017-03-03T14:20:00-05:00",
        ),
        ("es", "Publicado el 3 de marzo de 2017", "2017-03-03"),
        # An offset with a typographic minus; French typography's spaced hour sign; an update
        # shown before the publication.
        (
            "es",
            "Publicado el 3 de marzo de 2017 a las 11:05 (UTC\u22123)",
            "2017-03-03T11:05:00-03:00",
        ),
        (
            "fr",
            "Mis à jour le 4 mars 2017 à 9 h 12 (UTC+1) · Publié le 3 mars 2017 à 16 h 05 (UTC+1)",
            "2017-03-03T16:05:00+01:00",
        ),
    ],
)
def test_a_dateline_in_words_gives_the_time_and_offset_it_shows(lang, dateline, published):
    # No machine-readable date: the page's own dateline, in its language, is read with its
    # time of day and zone; the published time, not the updated one.
    html = page(body="").replace(
        "<h1>Green cards</h1>", f"<h1>Green cards</h1><div class='byline'>{dateline}</div>"
    )
    html = html.replace("lang='en'", f"lang='{lang}'")
    got = extract(html, "https://harbour.example/green-cards")
    assert (got["published"], got["published_source"]) == (published, "shown-text")


@pytest.mark.parametrize(
    "head, masthead, title",
    [
        # The site's name after a dash in og:title, named only by the host.
        ("<meta property='og:title' content='Ferry fares rise again - Tidewater Post'>", "", None),
        # A masthead <h1> holding the site's name above the headline's own <h1>.
        ("", "<header><h1>Tidewater Post</h1></header>", None),
        # "The" before a name the metadata gives without it.
        (
            "<meta property='og:site_name' content='Tidewater Post'>"
            "<meta property='og:title' content='The Tidewater Post: Ferry fares rise again'>",
            "",
            None,
        ),
        # A series label holding the site's name is the headline's, not the site's: only the
        # name after the dash goes.
        (
            "<meta property='og:title' content='Tidewater Post Explains: Ferry fares rise "
            "again - Tidewater Post'>",
            "",
            "Tidewater Post Explains: Ferry fares rise again",
        ),
    ],
)
def test_the_title_leaves_out_the_site_name(head, masthead, title):
    html = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Ferry fares rise again</title>{head}</head><body>{masthead}<article>"
        "<h1>Ferry fares rise again</h1>"
        + "".join(f"<p>{p}</p>" for p in FILLER)
        + "</article></body></html>"
    )
    got = extract(html, "https://www.tidewaterpost.example/2017/03/ferry-fares")
    assert got["title"] == (title or "Ferry fares rise again")


def test_attribution_is_looked_for_in_every_node_that_could_hold_it():
    """The one pass over the case-folded page picks the same nodes a search of each would."""
    import lxml.html

    from dedupe.text import _ANY_ATTRIBUTION, _attribution_candidates

    body = lxml.html.document_fromstring(
        "<html><body><p>The ferry sails twice a day.</p>"
        "<p>ORIGINALLY PUBLISHED ON <a href='https://sound.example/a'>Sound Post</a></p>"
        "<p>Nothing here says where it came from. The source: nobody.</p>"
        "<p><b>Source:</b> <a href='https://wire.example/b'>Wire</a></p>"
        "<p>Publié initialement sur <a href='https://relais.example/c'>Le Relais</a></p>"
        "<p>Weiterlesen</p><p>bei der Quelle</p></body></html>"
    ).find("body")
    every = [n for n in body.xpath(".//text()[normalize-space()]") if _ANY_ATTRIBUTION.search(n)]
    got = _attribution_candidates(body)
    assert [str(n) for n in every] == [str(n) for n in got if _ANY_ATTRIBUTION.search(n)]
    assert {"ORIGINALLY PUBLISHED ON ", "Source:", "Publié initialement sur "} <= set(map(str, got))
    assert "The ferry sails twice a day." not in set(map(str, got))
