"""Extraction + stripping scored on the labelled sample web (pinned floors), the body guard, and
`crosspost extract` on a saved page. The scoring lives in bench/extract.py (see its docstring)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from conftest import crosspost

from crosspost.demo.web import build_web
from dedupe.boilerplate import Stripped, learn, load_patterns, strip
from dedupe.text import extract
from dedupe.urls import site_id

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_extract", ROOT / "bench" / "extract.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def web_pages():
    return bench.sample_pages(build_web())


def assert_floors(s) -> None:
    """The issue's floors, pinned here (never loosen them to pass)."""
    misses = s.misses[:15]
    assert s.boilerplate_left <= 0.02, misses
    assert s.body_kept >= 0.98, misses
    assert s.not_body_lines <= 0.03, misses
    assert s.not_body_words <= 0.03, misses
    assert s.titles_exact >= 0.98, misses
    assert s.dates_right >= 0.98, misses


@pytest.mark.parametrize("known_clusters", [True, False], ids=["clusters-known", "first-run"])
def test_sample_web_meets_the_floors(web_pages, known_clusters):
    clusters = bench.truth_clusters(web_pages) if known_clusters else None
    results = bench.process([(t.url, html) for t, html in web_pages], clusters)
    s = bench.score([t for t, _ in web_pages], results)
    # The labelled set is big enough for the floors to mean something.
    assert s.pages >= 100 and s.skipped == 0
    assert s.body_paragraphs >= 1000 and s.boilerplate_blocks >= 300 and s.dated_pages >= 100
    assert_floors(s)
    assert s.false_dates == 0  # the undated page is not given a date


def test_saved_fixture_pages_meet_the_floors():
    fixtures = bench.fixture_pages(PAGES)
    assert len(fixtures) >= 5
    s = bench.score([t for t, _ in fixtures], bench.process([(t.url, h) for t, h in fixtures]))
    assert_floors(s)


def test_the_measures_catch_unstripped_and_lost_text(web_pages):
    """Scoring raw_text (nothing stripped) or an empty text must miss the floors."""
    pages = web_pages[:30]
    results = bench.process([(t.url, html) for t, html in pages])
    for result in results.values():
        result.stripped = Stripped(result.fields["raw_text"])
    raw = bench.score([t for t, _ in pages], results)
    assert raw.boilerplate_left > 0.5 and raw.not_body_lines > 0.1
    assert raw.body_kept == 1.0
    for result in results.values():
        result.stripped = Stripped("")
    assert bench.score([t for t, _ in pages], results).body_kept == 0.0


# -- the body guard: short paragraphs and paragraphs with links stay ------------------------------

SHORT = [
    "Nobody was hurt.",
    "It passed.",
    "The vote was 5 to 4.",
    "She declined to comment.",
    "Share prices fell.",
    "Related costs are unknown.",
    "More hearings are planned.",
]
LINKED = [
    ("The <a href='https://county.example/budget.pdf'>full budget</a> runs to 412 pages.",
     "The full budget runs to 412 pages."),
    ("<a href='/2026/11/03/earlier/'>Last week's hearing</a> ended without a vote.",
     "Last week's hearing ended without a vote."),
    ("Read the report <a href='https://county.example/report'>here</a>.",
     "Read the report here."),
    ("Minutes are at <a href='https://county.example/minutes'>the county site</a>.",
     "Minutes are at the county site."),
]  # fmt: skip
SITES = ["ferryside.example", "tidewatch.example", "newsheap.example", "porchlamp.example"]


TOPICS = [
    ("ferry timetable", "skippers", "the quay"),
    ("school roof", "parents", "the gym"),
    ("library hours", "students", "the reading room"),
    ("bus shelter", "commuters", "the square"),
    ("market rents", "stallholders", "the old hall"),
    ("bridge repairs", "farmers", "the river road"),
    ("pool closure", "swimmers", "the leisure centre"),
    ("street lights", "shopkeepers", "the high street"),
    ("clinic rota", "nurses", "the surgery"),
    ("parking fees", "drivers", "the station"),
    ("recycling rules", "tenants", "the estate"),
    ("beach huts", "owners", "the promenade"),
    ("allotment waiting list", "gardeners", "the allotments"),
]


def _filler(piece: int) -> list[str]:
    """Long paragraphs unique to one invented piece (the words differ, not only the numbers)."""
    topic, people, place = TOPICS[piece % len(TOPICS)]
    return [
        f"The council spent most of Tuesday evening on the {topic}, a question that has come back "
        f"to {place} every winter for as long as anyone on the committee can remember.",
        f"Several {people} told councillors that the plan for the {topic} would leave them worse "
        "off, and asked for a delay until the spring consultation was finished.",
        f"A clerk read out letters about the {topic} from {people} who could not attend, most of "
        f"them asking for a public meeting at {place} before any final decision.",
        f"The chair said a revised proposal on the {topic} would be posted at {place} a week "
        "before the next vote, and that written comments would be read in full.",
    ]


def _page(site: str, title: str, blocks: list[str], footer: str) -> str:
    body = "".join(f"<p>{b}</p>" for b in blocks)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:title' content='{title}'></head><body><header><a href='/'>{site}</a>"
        f"<nav><a href='/'>Home</a> <a href='/about/'>About</a></nav></header><main><article>"
        f"<h1>{title}</h1>{body}<p>{footer}</p></article></main></body></html>"
    )


def _guard_corpus() -> tuple[list[tuple[int, str, str]], dict[int, int], set[int]]:
    """Piece 1 (short and linked paragraphs) on four sites, three more pieces on each site.

    Returns (article_id, site, raw_text) rows, the true cluster of each page and piece 1's ids.
    """
    piece_one = [*_filler(1)[:2], *SHORT, *(html for html, _ in LINKED), *_filler(1)[2:]]
    rows, cluster_of, ids = [], {}, set()
    article_id = 0
    for n, site in enumerate(SITES):
        footer = f"Thanks for reading the {site.split('.')[0]} daily harbour bulletin."
        for piece in (1, 2 + 3 * n, 3 + 3 * n, 4 + 3 * n):
            blocks = piece_one if piece == 1 else _filler(piece)
            if piece == 1 and n == 3:
                blocks = blocks[: 2 + len(SHORT) + len(LINKED)]  # an excerpt
            url = f"http://{site}/story/{piece}"
            html = _page(site, f"Harbour story {piece}", blocks, footer)
            article_id += 1
            rows.append((article_id, site, extract(html, url)["raw_text"]))
            cluster_of[article_id] = piece
            if piece == 1:
                ids.add(article_id)
    return rows, cluster_of, ids


@pytest.mark.parametrize("known_clusters", [True, False], ids=["clusters-known", "first-run"])
def test_short_and_linked_body_paragraphs_are_never_stripped(known_clusters):
    rows, cluster_of, piece_one = _guard_corpus()
    clustered = {a: c for a, c in cluster_of.items() if a in piece_one}  # only piece 1 has copies
    learned = learn(rows, clustered if known_clusters else None)
    patterns = load_patterns()
    expected = [*SHORT, *(text for _, text in LINKED)]
    for article_id, site, raw_text in rows:
        lines = raw_text.split("\n")
        out = strip(raw_text, patterns, learned, site)
        kept = out.text.split("\n")
        assert not [b for b in lines if b.startswith("Thanks for reading") and b in kept]
        if article_id in piece_one:
            assert [p for p in expected if p in lines] == expected  # extraction kept them
            assert [p for p in expected if p in kept] == expected, out.removed
    # Learning is at work: each site's footer was learned as a site repeat.
    assert {row["site"] for row in learned.rows() if row["reason"] == "site-repeat"} == set(SITES)


def test_known_patterns_leave_short_and_linked_paragraphs():
    patterns = load_patterns()
    for block in [*SHORT, *(text for _, text in LINKED)]:
        assert patterns.match(block) is None, block


# -- crosspost extract on a saved page -----------------------------------------------------------


def test_cli_extract_prints_the_page_as_json():
    truth = json.loads((PAGES / "aggregator.truth.json").read_text(encoding="utf-8"))
    saved = PAGES / "aggregator.html"
    done = crosspost("extract", str(saved), "--url", truth["url"] + "?utm_source=feed#top")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["url"] == truth["url"]  # tracking parameter and fragment removed
    assert got["site"] == site_id(truth["url"])
    for key in ("title", "author", "published", "published_source"):
        assert got[key] == truth[key], key
    assert (got["attribution_url"], got["attribution_name"]) == (
        truth["attribution_url"],
        truth["attribution_name"],
    )
    assert got["text"].split("\n") == truth["body"]
    assert got["word_count"] == len(got["text"].split())
    why = {row["text"]: row["reason"] for row in got["stripped"]}
    raw_lines = got["raw_text"].split("\n")
    expected = {b["text"]: b["reason"] for b in truth["boilerplate"] if b["text"] in raw_lines}
    assert expected and why == expected
    assert got["signals"]["has_time_element"] is True


def test_cli_extract_names_the_reason_for_an_unusable_page(tmp_path):
    image = tmp_path / "photo.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    done = crosspost("extract", str(image), "--url", "https://ferryside.example/photo")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "binary" in done.stderr


def test_pages_in_other_languages_are_read_as_well_as_english_ones(web_pages):
    # The Spanish and French sites of the sample web: datelines in words in local time (a
    # typographic minus, a spaced French hour, an update shown first), the site's name in the
    # title, credit lines and footers in their language, learned on a first run.
    web = build_web()
    foreign = {s.host for s in web.sites if web.skins[s.host].lang != "en"}
    results = bench.process([(t.url, html) for t, html in web_pages], None)
    ours = [t for t, _ in web_pages if t.host in foreign]
    assert len(ours) >= 10
    s = bench.score(ours, results)
    assert s.skipped == 0 and s.dated_pages == len(ours), s.misses
    assert (s.titles_exact, s.dates_right, s.boilerplate_left) == (1.0, 1.0, 0.0), "\n".join(
        s.misses
    )
    assert s.body_kept >= 0.98, s.misses
