"""The body chooser (dedupe/body.py): markup fixes and the precise text's holes filled."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from dedupe.body import _fill_holes, _without_teaser_lists, declared_body, main_text, tidy
from dedupe.ingest import describe_page
from dedupe.text import _parse

URL = "https://saltmarsh-gazette.example/news/2026/04/07/tide-gauge"
PAGES = Path(__file__).parent / "fixtures" / "pages"
# Fixture pages whose truth lists texts the page shows that extraction must leave out (teasers,
# pop-up cards, lists of other stories: not boilerplate patterns, but not the article either).
LEAVE_OUT = sorted(
    p.name.removesuffix(".truth.json")
    for p in PAGES.glob("*.truth.json")
    if json.loads(p.read_text(encoding="utf-8")).get("not_text")
)
PRECISE = "\n".join(
    [
        "The old tide gauge on the east pier was read by hand every morning for ninety years.",
        "Its last reader, a retired pilot, kept the readings in pencil in a row of ledgers.",
        "The council has now given the ledgers to the county archive, where they will be scanned.",
    ]
)


def _page(links: str = "") -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body><article>{links}</article></body></html>")


def test_lines_between_precise_lines_are_added_in_place():
    fuller = PRECISE.replace("\nIts last", "\nHow the gauge worked\nIts last")
    got = _fill_holes(PRECISE, fuller, _page(), URL).split("\n")
    assert got[1] == "How the gauge worked"
    assert len(got) == 4


def test_lines_before_or_after_the_precise_text_are_not_added():
    fuller = f"Most read this week\n{PRECISE}\nMore stories from the harbour"
    assert _fill_holes(PRECISE, fuller, _page(), URL) == PRECISE


def test_shouted_repeated_and_teaser_lines_are_not_added():
    fuller = PRECISE.replace(
        "\nIts last",
        "\nSIGN UP FOR THE MORNING TIDE NEWSLETTER"
        "\nThe old tide gauge on the east pier was read by hand every morning"
        "\nPier cafe reopens after the winter storms"
        "\nIts last",
    )
    teaser = '<a href="/news/2026/04/01/pier-cafe">Pier cafe reopens after the winter storms</a>'
    assert _fill_holes(PRECISE, fuller, _page(teaser), URL) == PRECISE


def test_a_link_to_another_site_is_not_a_teaser():
    fuller = PRECISE.replace("\nIts last", "\nTide Tables of the East Coast\nIts last")
    elsewhere = '<a href="https://books.example/tide-tables">Tide Tables of the East Coast</a>'
    assert "Tide Tables of the East Coast" in _fill_holes(PRECISE, fuller, _page(elsewhere), URL)


def test_tidy_keeps_the_words_after_a_comment_and_drops_only_the_card():
    tree = lxml.html.document_fromstring(
        "<html><body><p>Gauge read for<!-- --> ninety years by <span class='who'>"
        "<a href='/people/ada'>Ada Penrose</a><span class='card'><a href='/a'>One story</a> "
        "<a href='/b'>Two stories</a> <a href='/c'>Three stories</a></span></span>, a pilot.</p>"
        "</body></html>"
    )
    tidy(tree)
    assert (
        tree.find(".//p").text_content() == "Gauge read for ninety years by Ada Penrose, a pilot."
    )


def test_main_text_of_a_page_with_no_text_is_empty():
    assert main_text(_page(), URL) == ""


def test_a_short_credit_link_is_not_added_but_a_linked_subhead_is():
    fuller = PRECISE.replace("\nIts last", "\nvia Harbour Wire\nThe Ledgers of Pier Four\nIts last")
    page = _page(
        "<p>via <a href='https://harbour-wire.example/'>Harbour Wire</a></p>"
        "<h3><a href='/news/2026/03/30/ledgers'>The Ledgers of Pier Four</a></h3>"
    )
    got = _fill_holes(PRECISE, fuller, page, URL).split("\n")
    assert "via Harbour Wire" not in got
    assert got[1] == "The Ledgers of Pier Four"


def test_tidy_spaces_latin_from_cjk_at_markup_only():
    tree = lxml.html.document_fromstring(
        "<html><body><p>最近は<a href='/r'>Reader</a>を使い、<a href='/s'>設定</a>も変えたKindle版です。"
        "</p></body></html>"
    )
    tidy(tree)
    assert tree.find(".//p").text_content() == "最近は Reader を使い、設定も変えたKindle版です。"


FULL = (
    PRECISE
    + "\n"
    + "\n".join(
        [
            "Each ledger holds a year of readings, with the weather noted in the margin beside each tide.",
            "Archivists say the pencil has lasted better than the ink of the harbour's older books.",
            "Volunteers will check the scanned pages against the originals over the coming winter.",
            "The readings will then be published so that anyone can compare them with modern gauges.",
        ]
    )
)


def _showing(text: str) -> lxml.html.HtmlElement:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    return lxml.html.document_fromstring(
        f"<html><body><article>{paragraphs}</article></body></html>"
    )


def test_the_declared_body_replaces_a_text_that_lost_most_of_it():
    found = PRECISE.split("\n")[0]
    assert declared_body(found, FULL, _showing(FULL)) == FULL


def test_the_declared_body_stands_in_when_nothing_was_found():
    assert declared_body("", FULL, _showing(FULL)) == FULL


def test_the_declared_body_is_not_taken_when_the_page_does_not_show_it():
    found = PRECISE.split("\n")[0]
    assert declared_body(found, FULL, _showing(found)) == found  # behind a paywall, say


def test_the_declared_body_is_not_taken_when_it_does_not_hold_the_text_found():
    found = "A different story about the lifeboat station and its new slipway, opened on Friday."
    assert declared_body(found, FULL, _showing(FULL + "\n" + found)) == found


def test_the_text_found_stays_when_it_is_about_as_long():
    assert declared_body(PRECISE, PRECISE + " Also a line.", _showing(PRECISE)) == PRECISE


def test_a_list_of_other_stories_goes_but_one_link_line_or_long_linked_summaries_stay():
    headlines = ["Pier cafe reopens after the storms", "Lifeboat crew honoured at county show"]
    summaries = [
        "The harbour board has agreed to repair the east pier before the summer, at a cost the "
        "council says it can meet from reserves without raising the mooring fees",
        "Volunteers counted more seals on the sandbank this year than in any year since the count "
        "began, and say the new quiet zone for boats is the likely reason",
    ]
    links = "".join(
        f"<a href='/news/2026/04/0{n}/story'>{text}</a>"
        for n, text in enumerate(headlines + summaries + ["Tide tables"])
    )
    page = _page(links)
    lines = PRECISE.split("\n")
    with_list = "\n".join([lines[0], *headlines, *lines[1:]])
    assert _without_teaser_lists(with_list, page, URL) == PRECISE
    one = "\n".join([lines[0], "Tide tables", *lines[1:]])
    assert _without_teaser_lists(one, page, URL) == one
    summarised = "\n".join([*[f"- {s}" for s in summaries], PRECISE])
    assert _without_teaser_lists(summarised, page, URL) == summarised


def _passes(monkeypatch, html: str, url: str = URL) -> tuple[int, str]:
    """How many trafilatura passes main_text makes on a page, and the text it returns."""
    import dedupe.body as body

    calls = []
    real = body._trafilatura

    def counting(tree, url, **options):
        calls.append(options)
        return real(tree, url, **options)

    monkeypatch.setattr(body, "_trafilatura", counting)
    text = main_text(_parse(html), url)
    return len(calls), text


@pytest.mark.parametrize(
    ("name", "passes"),
    [
        ("rendered", 1),
        ("subheads", 2),  # precision drops the <h3>s between paragraphs
        # No <article> or <main>, paragraphs set as divs; what the precise text leaves out is a
        # byline before the first paragraph, a caption nested in its own box and the links after
        # the text: no hole, no second pass.
        ("div-flow", 1),
    ],
)
def test_the_default_pass_runs_only_when_a_block_between_kept_ones_is_missing(
    monkeypatch, name, passes
):
    html = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    assert _passes(monkeypatch, html)[0] == passes


def test_a_line_in_the_flow_of_div_paragraphs_is_a_hole_and_is_filled(monkeypatch):
    truth = json.loads((PAGES / "div-flow.truth.json").read_text(encoding="utf-8"))
    html = (PAGES / "div-flow.html").read_text(encoding="utf-8")
    credit = "Read the whole timetable at Sound Ferries"
    html = html.replace(
        '<div class="para">The operator said',
        '<div class="para">Read the whole timetable at'
        ' <a href="https://sound-ferries.example/winter">Sound Ferries</a></div>\n'
        '<div class="para">The operator said',
    )
    passes, text = _passes(monkeypatch, html, truth["url"])
    assert passes == 2
    lines = text.split("\n")
    assert lines.index(credit) == lines.index(truth["body"][2]) + 1


def test_a_kicker_and_a_byline_before_the_first_paragraph_are_no_hole(monkeypatch):
    truth = json.loads((PAGES / "div-flow.truth.json").read_text(encoding="utf-8"))
    html = (PAGES / "div-flow.html").read_text(encoding="utf-8")
    # A kicker the precise text keeps: a block it holds, but no sentence, so not a paragraph
    # that would open the span in which the byline after it counts as missing.
    html = html.replace(
        "<h1>", '<div class="kicker">Inchmore Post | news from the island and the sound</div><h1>'
    )
    passes, text = _passes(monkeypatch, html, truth["url"])
    assert text.startswith("Inchmore Post | news from the island and the sound")
    assert passes == 1


def test_leave_out_set_is_there():
    assert len(LEAVE_OUT) >= 6


@pytest.mark.parametrize("name", LEAVE_OUT)
def test_what_the_page_shows_beside_the_article_is_left_out(name):
    truth = json.loads((PAGES / f"{name}.truth.json").read_text(encoding="utf-8"))
    got = describe_page((PAGES / f"{name}.html").read_bytes(), truth["url"])
    for text in truth["not_text"]:
        assert text not in got["raw_text"], text
    kept = got["text"].split("\n")
    for paragraph in truth["body"]:
        assert paragraph in kept, paragraph


def test_a_text_of_labels_only_is_bounded_by_its_labels():
    """A home page whose precise text is its section labels: the teasers between them sit in
    lists of their own, not in the labels' flow, so no default-mode pass is asked for."""
    from dedupe.body import _has_holes

    teasers = "".join(
        f"<li><a href='/news/2026/04/0{n}/story-{n}'>Story number {n} of the week</a>"
        f"<span>{n} Apr 2026, 09:1{n}</span></li>"
        for n in range(1, 4)
    )
    page = lxml.html.document_fromstring(
        f"<html><body><main><h2>Latest</h2><div class='list'><ul>{teasers}</ul></div>"
        "<h2>Trending</h2></main></body></html>"
    )
    assert not _has_holes("Latest\nTrending", page, URL)
    assert _has_holes(
        "Latest\nTrending", _page("<h2>Latest</h2><p>A new line.</p><h2>Trending</h2>"), URL
    )
