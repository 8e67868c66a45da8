"""Known-pattern stripping, learned site and cross-site repeats, and the guard for copied bodies."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

import pytest

from dedupe.boilerplate import (
    Learned,
    Pattern,
    Patterns,
    _screen,
    learn,
    load_patterns,
    normalise,
    strip,
)
from dedupe.errors import InputError

PAGES = Path(__file__).parent / "fixtures" / "pages"
TRUTHS = [json.loads(p.read_text()) for p in sorted(PAGES.glob("*.truth.json"))]
PATTERNS = load_patterns()

# Ordinary body paragraphs that mention sources, copyright, newsletters, donations, sharing, ads.
PROSE = [
    "Le conseil a publié initialement sur son site les horaires, et les a changés depuis.",
    "Die Fähre ist zuerst auf der Insel angekommen, dann ging es weiter nach Norden.",
    "Source material for the report came from court filings and two former employees.",
    "A source close to the negotiations said the deal could be signed before Friday.",
    "Copyright disputes between the two publishers dragged on for most of the decade.",
    "Copyright law was never meant to protect a list of ferry times, the judge wrote.",
    "Subscribers to the parish newsletter were the first to hear about the closure.",
    "She said she would subscribe to the idea only if the council paid for it.",
    "Please donate what you can to the food bank, the volunteers told us, before winter.",
    "The club asked members to support the youth team by turning up on Saturday mornings.",
    "Share prices fell sharply after the announcement, wiping out a year of gains.",
    "Facebook and Twitter both declined to comment on the leaked memo.",
    "The advertisement, which ran for three weeks, promised free ferry rides for pensioners.",
    "Read more carefully, the contract allows the firm to raise fees twice a year.",
    "Related families from three villages gathered for the reopening of the chapel.",
    "Photos by residents showed water reaching the windowsills on Quarry Lane.",
    "Via the old ferry road, the harbour is a forty-minute drive from the nearest town.",
    "First published in 1911, the Harbor Gazette ran for ninety years, then closed.",
    "The original source of the river, a spring above the quarry, has run dry this summer.",
    "Continue reading the minutes and you find the vote was never actually taken.",
    "Visited by more than 2,000 people, the fair was the biggest in a decade.",
    "Disclaimers printed on the ballot confused many older voters, the clerk said.",
    "Note to self, the mayor joked, never schedule a hearing on market day.",
    "All rights reserved by the original owners were transferred to the trust in 1998, "
    "according to papers seen by this newspaper, which also show the price paid.",
    "Featured in the exhibition are forty photographs of the valley before the dam.",
    "Like this year's harvest, last year's was delayed by a wet September.",
    "Shared by thousands on social media within hours.",
    "Posted by hand in 1911, the letter took a week to arrive.",
    "Posted by a neighbour in the group chat",
    "Written by the mayor's office",
    "Publié par un voisin dans le groupe du quartier",
    "Lire la suite du rapport prend une heure, disait le maire en souriant.",
    "Weiterlesen lohnt sich, sagte die Bürgermeisterin, denn der Bericht ist lang.",
    "Nobody was hurt.",
    "It passed.",
    "— Anna Moss, a reader in Quarry Lane, who wrote to us after the flood",
]

BOILERPLATE = [
    # Credits in other languages (the standard wording of republishing credits there).
    ("Cet article a été publié initialement sur Le Petit Port.", "attribution-line"),
    ("Publicado originalmente en El Faro del Puerto.", "attribution-line"),
    ("Dieser Artikel erschien zuerst auf Hafenblatt.", "attribution-line"),
    ("Questo articolo è stato pubblicato originariamente su Il Porto.", "attribution-line"),
    ("Oorspronkelijk gepubliceerd op De Haven.", "attribution-line"),
    ("Quelle: Hafenblatt", "attribution-line"),
    ("The original source of this article is Tidewater Post", "original-source"),
    ("This article was originally published on Tidewater Post.", "attribution-line"),
    ("This story first appeared at The Harbour Gazette", "attribution-line"),
    ("Originally published at Tidewater Post.", "attribution-line"),
    ("Republished with permission of Tidewater Post.", "attribution-line"),
    ("Republished from Tidewater Post under a Creative Commons licence.", "attribution-line"),
    ("Source: Tidewater Post", "attribution-line"),
    ("Via: Tidewater Post", "attribution-line"),
    ("© 2026 Tidewater Post", "copyright-line"),
    ("Copyright © 2026 Tidewater Post. All rights reserved.", "copyright-line"),
    ("(c) 2026 Harbour Gazette Ltd", "copyright-line"),
    ("Copyright 2026 by the author", "copyright-line"),
    ("Harbour Gazette Ltd. All Rights Reserved.", "copyright-line"),
    ("Disclaimer: the views here belong to the author.", "disclaimer"),
    ("Fair Use Notice: this page quotes material for commentary.", "disclaimer"),
    (
        "This page holds copyrighted material the use of which has not always been specifically "
        "authorized by the owner.",
        "disclaimer",
    ),
    (
        "The views expressed in this article are the author's own and do not necessarily reflect "
        "those of Harbour Gazette.",
        "disclaimer",
    ),
    ("Note to readers: we are moving to a new address next month.", "note-to-readers"),
    ("Editor's note: this piece was updated with the final vote count.", "note-to-readers"),
    ("(Visited 1,234 times, 5 visits today)", "visit-counter"),
    ("Visited 87 times", "visit-counter"),
    ("12,480 views", "visit-counter"),
    ("Share this:", "share-widget"),
    ("Share on Facebook", "share-widget"),
    ("Facebook Twitter Email Print", "share-widget"),
    ("Tweet", "share-widget"),
    ("Like this:", "like-widget"),
    ("Like Loading...", "like-widget"),
    ("Sign up for our newsletter and get the week's stories every Friday.", "newsletter-appeal"),
    ("Subscribe to Harbour Gazette to get new posts in your inbox.", "newsletter-appeal"),
    ("Subscribe now!", "newsletter-appeal"),
    ("Follow us on Telegram", "newsletter-appeal"),
    ("Harbour Gazette is reader-supported. Thank you.", "donation-appeal"),
    ("Please support our journalism with a small monthly gift.", "donation-appeal"),
    ("Donate to keep this site online.", "donation-appeal"),
    ("Become a patron of independent reporting.", "donation-appeal"),
    ("Featured image via Pixabay", "image-credit"),
    ("Featured Image: harbour at dawn (Harbour Gazette)", "image-credit"),
    ("Photo credit: Jane Moss", "image-credit"),
    ("Image via Wikimedia", "image-credit"),
    ("Read also: Ferry fares frozen for winter", "related-insert"),
    ("Related: Harbour levy vote set for December", "related-insert"),
    ("READ MORE: The bridge that nobody wanted", "related-insert"),
    ("SEE MORE: Lifeboat crew called out twice in one night", "related-insert"),
    ("You may also like", "related-insert"),
    ("Advertisement", "advertisement-marker"),
    ("- Advertisement -", "advertisement-marker"),
    ("Sponsored content", "advertisement-marker"),
    ("Story continues below advertisement", "advertisement-marker"),
    ("Continue reading at Tidewater Post »", "continue-reading"),
    ("Continue reading", "continue-reading"),
    ("Read the full article at Tidewater Post", "continue-reading"),
    ("Posted by Jane Moss in Local News", "byline"),
    ("Written by Anna van der Berg", "byline"),
    ("Posted by admin on November 5, 2026", "byline"),
    # The same lines in other languages (WordPress's translations).
    ("Lire la suite sur Le Petit Port »", "continue-reading"),
    ("Seguir leyendo en El Faro del Puerto", "continue-reading"),
    ("Weiterlesen", "continue-reading"),
    ("Publié par Anne Morel dans Vie du quartier", "byline"),
    ("Publicado por Redacción en Sociedad", "byline"),
    ("Veröffentlicht von Jonas Brandt", "byline"),
    ("— Politics", "section-label"),
    ("| Opinion", "section-label"),
]


def test_patterns_come_from_the_data_file():
    names = {p.name for p in PATTERNS.items}
    assert {
        "original-source",
        "attribution-line",
        "copyright-line",
        "disclaimer",
        "note-to-readers",
        "visit-counter",
        "share-widget",
        "like-widget",
        "newsletter-appeal",
        "donation-appeal",
        "image-credit",
        "related-insert",
        "advertisement-marker",
        "continue-reading",
        "byline",
        "section-label",
    } <= names
    assert all(p.description for p in PATTERNS.items)


@pytest.mark.parametrize(("block", "reason"), BOILERPLATE)
def test_known_boilerplate_is_matched(block, reason):
    assert PATTERNS.match(block) == reason


@pytest.mark.parametrize("paragraph", PROSE)
def test_prose_is_never_matched(paragraph):
    assert PATTERNS.match(paragraph) is None


def test_fixture_truths_agree_with_patterns():
    for truth in TRUTHS:
        for paragraph in truth["body"]:
            assert PATTERNS.match(paragraph) is None, paragraph
        for block in truth["boilerplate"]:
            assert PATTERNS.match(block["text"]) == block["reason"], block


def test_site_patterns_are_named_and_checked():
    patterns = load_patterns([r"^Harbour Gazette is on Mastodon"])
    assert patterns.match("Harbour Gazette is on Mastodon too") == "site-pattern"
    assert len(patterns) == len(PATTERNS) + 1
    with pytest.raises(InputError, match="site-pattern"):
        load_patterns([r"^(unclosed"])


def test_strip_keeps_order_and_reports_reasons():
    raw = "First paragraph of the story.\n\nShare this:\n  Second paragraph.  \nAdvertisement"
    out = strip(raw, PATTERNS)
    assert out.text == "First paragraph of the story.\nSecond paragraph."
    assert out.removed == [
        ("Share this:", "share-widget"),
        ("Advertisement", "advertisement-marker"),
    ]


def test_normalise_ignores_case_spacing_and_counts():
    assert normalise("(Visited 1,234 times, 5 visits today)") == normalise(
        "(visited 98  times, 12 visits today)"
    )
    assert normalise("  Thanks for READING!  ") == "thanks for reading"
    assert normalise("Thanks for reading") != normalise("Thanks for writing")


# -- learning ------------------------------------------------------------------------------------

FOOTER = "The Harbour Gazette is run by three volunteers from a shed on the quay."
DISCLAIMER = "Pieces shown here belong to their writers; we share them so more people read them."


TOPICS = [
    "ferry",
    "orchard",
    "library",
    "bridge",
    "school",
    "quarry",
    "harbour",
    "chapel",
    "market",
]
PLACES = ["Millbrook", "Tessel", "Quarry Lane", "Oakfield", "Ashby", "Lowmoor", "Redwick", "Fenton"]


def body(n: int) -> list[str]:
    """Invented body paragraphs unique to piece `n` (they differ in words, not only digits)."""
    topic, place = TOPICS[n % len(TOPICS)], PLACES[n % len(PLACES)]
    return [
        f"The council in {place} discussed the {topic} for most of the evening.",
        f"Residents near the {topic} asked {place} officials for a safer crossing.",
        f"The clerk read out a letter about the {topic}, which was sent on to the spring session.",
    ]


def article(n: int, *extra: str) -> str:
    return "\n".join([*body(n), *extra])


def test_learn_site_repeats_across_different_pieces():
    articles = [(i, "gazette.example", article(i, FOOTER)) for i in range(1, 4)]
    articles.append((9, "other.example", article(9)))
    learned = learn(articles)
    assert learned.reason(normalise(FOOTER), "gazette.example") == "site-repeat"
    assert learned.reason(normalise(FOOTER), "other.example") is None  # only gazette's boilerplate
    assert not learned.cross
    assert len(learn(articles[:2] + articles[3:])) == 0  # two pieces are not enough
    out = strip(articles[0][2], PATTERNS, learned, site="gazette.example")
    assert out.text == "\n".join(body(1))
    assert out.removed == [(FOOTER, "site-repeat")]


def test_pages_of_one_piece_count_once():
    # Three pages of the same piece (a cluster) on one site are not three pieces.
    articles = [(i, "gazette.example", article(1, FOOTER)) for i in range(1, 4)]
    assert len(learn(articles, {1: 50, 2: 50, 3: 50})) == 0
    assert len(learn(articles)) == 0  # unclustered: recognised as one piece by shared blocks
    articles.append((4, "gazette.example", article(4, FOOTER)))
    assert len(learn(articles, {1: 50, 2: 50, 3: 50})) == 0  # still only two pieces


def test_learn_cross_site_repeats():
    # A publisher's disclaimer carried along under different pieces by copiers on several sites.
    articles = [
        (1, "current.example", article(1, DISCLAIMER)),
        (2, "feedhub.example", article(2, DISCLAIMER)),
        (3, "reader.example", article(3, DISCLAIMER)),
    ]
    learned = learn(articles, min_site_pages=3, min_clusters=3)
    assert learned.reason(normalise(DISCLAIMER), "anywhere.example") == "cross-site-repeat"
    assert learned.reason(normalise(body(1)[0]), "current.example") is None
    out = strip(articles[1][2], PATTERNS, learned, site="feedhub.example")
    assert out.removed == [(DISCLAIMER, "cross-site-repeat")]
    assert len(learn(articles[:2])) == 0


def test_copied_body_is_not_boilerplate():
    # One piece copied by six sites, each adding its own footer: the body must survive.
    sites = ["a.example", "b.example", "c.example", "d.example", "e.example", "f.example"]
    copies = [(i, site, article(1, f"Footer of {site}")) for i, site in enumerate(sites)]
    for cluster_of in ({i: 7 for i in range(len(sites))}, None):
        learned = learn(copies, cluster_of)
        for paragraph in body(1):
            assert learned.reason(normalise(paragraph), "a.example") is None
        assert strip(copies[0][2], PATTERNS, learned, site="a.example").text.startswith(body(1)[0])


def test_copied_body_with_disclaimer_keeps_body_and_learns_disclaimer():
    # Piece 1 copied to four sites plus two other pieces carrying the same disclaimer.
    copies = [(i, f"s{i}.example", article(1, DISCLAIMER)) for i in range(4)]
    others = [
        (10, "s1.example", article(2, DISCLAIMER)),
        (11, "s2.example", article(3, DISCLAIMER)),
    ]
    learned = learn(copies + others)
    assert learned.reason(normalise(DISCLAIMER), None) == "cross-site-repeat"
    assert all(learned.reason(normalise(p), None) is None for p in body(1))


def test_edited_copies_keep_their_untouched_paragraphs():
    # Six sites copy one piece, each editing a different part of it: every paragraph is left
    # untouched by three copiers, yet no two copies share half their blocks. Those paragraphs
    # are the piece's body, not a repeat. The disclaimer under three other pieces still is.
    paragraphs = [
        f"The {topic} committee in {place} met again on a wet evening to weigh the plans that "
        f"neighbours had sent about the {topic}, and nobody left before the final vote."
        for topic, place in zip(TOPICS * 2, PLACES * 2, strict=False)
    ][:10]

    def copy(n: int) -> str:
        kept = [
            p if (i + n) % 6 < 3 else p.replace("wet evening", f"{PLACES[n]} evening")
            for i, p in enumerate(paragraphs)
        ]
        return "\n".join([*kept, DISCLAIMER])

    copies = [(n, f"copier{n}.example", copy(n)) for n in range(6)]
    others = [(10 + n, f"other{n}.example", article(n, DISCLAIMER)) for n in range(3)]
    learned = learn(copies + others)
    assert learned.reason(normalise(DISCLAIMER), None) == "cross-site-repeat"
    assert all(learned.reason(normalise(p), None) is None for p in paragraphs)


SHORT_SITE_FOOTER = [
    "Tell us what you think on our community board.",
    "Like this: Like Loading...",
    "Views in reposted pieces are their writers' own and not those of the Harbour Gazette.",
    "Become a friend of the Gazette and keep the quay lights on.",
]


def test_footers_of_a_site_of_short_pages_are_learned_on_a_first_run():
    # Short pages whose footer has more blocks than their body: sharing most of their blocks
    # does not make them one piece (what rides beside the footer differs), so every footer
    # block is learned, already without clusters.
    articles = [(n, "gazette.example", article(n, *SHORT_SITE_FOOTER)) for n in range(1, 7)]
    learned = learn(articles)
    for block in SHORT_SITE_FOOTER:
        assert learned.reason(normalise(block), "gazette.example") == "site-repeat", block
    for n in range(1, 7):
        assert learned.reason(normalise(body(n)[0]), "gazette.example") is None
    out = strip(articles[0][2], PATTERNS, learned, "gazette.example")
    assert out.text == "\n".join(body(1))


def test_footers_carried_by_copies_on_other_sites_are_stripped():
    # Half the copies of the gazette's pieces carry its footer under their own: the footer is
    # learned as a repeat that rides under different pieces on several sites.
    articles = [(n, "gazette.example", article(n, *SHORT_SITE_FOOTER)) for n in range(1, 7)]
    for n in range(1, 7):
        carried = SHORT_SITE_FOOTER if n % 2 else []
        own = f"Copied for readers of the {PLACES[n]} noticeboard, which thanks the Gazette."
        articles.append((100 + n, f"board{n}.example", article(n, *carried, own)))
    learned = learn(articles)
    for n in range(1, 7, 2):
        out = strip(articles[5 + n][2], PATTERNS, learned, f"board{n}.example")
        assert not [b for b in SHORT_SITE_FOOTER if b in out.text.split("\n")], out.text
        assert [p for p in body(n) if p in out.text.split("\n")] == body(n)


def test_a_piece_copied_with_lines_added_by_each_copier_is_not_learned():
    # One long piece copied by four sites, each adding lines of its own (a "Read also" link, a
    # newsletter line): those lines differ, but they are a small part of each page beside the
    # piece, so the piece's paragraphs are not mistaken for a repeat.
    long_body = [p for n in (1, 2, 4, 5) for p in body(n)]

    def added(n: int) -> list[str]:
        return [
            f"Read also: the {TOPICS[n]} vote in {PLACES[n]} goes ahead after all",
            f"Sign up for the {PLACES[n]} evening letter and get the {TOPICS[n]} news first.",
        ]

    copies = [(n, f"copier{n}.example", "\n".join([*long_body, *added(n)])) for n in range(4)]
    learned = learn(copies)
    assert all(learned.reason(normalise(p), None) is None for p in long_body)


def test_rows_round_trip():
    articles = [(i, "gazette.example", article(i, FOOTER, DISCLAIMER)) for i in range(1, 4)]
    articles += [(i, f"x{i}.example", article(i, DISCLAIMER)) for i in range(4, 6)]
    learned = learn(articles)
    rows = learned.rows()
    assert {r["reason"] for r in rows} == {"site-repeat", "cross-site-repeat"}
    assert len({r["key"] for r in rows}) == len(rows)
    for row in rows:
        assert set(row) == {"key", "site", "text", "reason", "pages"}
    site_row = next(r for r in rows if r["reason"] == "site-repeat" and r["text"] == FOOTER)
    assert site_row["site"] == "gazette.example" and site_row["pages"] == 3
    again = Learned.from_rows(json.loads(json.dumps(rows)))
    assert again.rows() == rows
    for _, site, raw in articles:
        assert strip(raw, PATTERNS, again, site) == strip(raw, PATTERNS, learned, site)


# -- the fast paths give the plain answers -------------------------------------------------------


def first_match(patterns: Patterns, block: str) -> str | None:
    """The plain rule: each regex searched in file order, the first that matches names the block."""
    return next((p.name for p in patterns.items if p.regex.search(block)), None)


# Blocks that two differently named patterns match: the earlier one in the data file wins.
TWICE = [
    ("Sign up for our newsletter and support our work.", "newsletter-appeal"),  # + donation
    ("Source: Tidewater Post. All rights reserved.", "attribution-line"),  # + copyright-line
    ("Read also: reader-supported news from the quay", "donation-appeal"),  # + related-insert
    ("Disclaimer: this site is reader-supported.", "disclaimer"),  # + donation-appeal
]


def variants(block: str) -> list[str]:
    """Case, padding, a newline, letters that fold to ASCII ones, curly quotes, repetition."""
    folded = block.replace("s", "ſ").replace("k", "\u212a").replace("i", "ı").replace("I", "İ")
    return [
        block,
        block.upper(),
        f"  {block}  ",
        block + "\n",
        folded,
        f"“{block}” it’s",
        block * 3,
    ]


def test_screened_match_is_the_first_match_in_file_order():
    extra = load_patterns([r"reserved\.$", r"(quay)\b.*\1", r"(?-i:Tidewater)"])
    blocks = [b for b, _ in BOILERPLATE + TWICE] + PROSE
    blocks += [b["text"] for t in TRUTHS for b in t["boilerplate"]] + [
        p for t in TRUTHS for p in t["body"]
    ]
    for block in blocks:
        for v in variants(block):
            assert PATTERNS.match(v) == first_match(PATTERNS, v), v
            assert extra.match(v) == first_match(extra, v), v
    for block, reason in TWICE:
        names = [p.name for p in PATTERNS.items if p.regex.search(block)]
        assert len(set(names)) >= 2 and names[0] == reason  # really matched twice
        assert PATTERNS.match(block) == reason
    assert extra.match("the quay, the quay") == "site-pattern"
    assert extra.match("TIDEWATER") is None and extra.match("Tidewater") == "site-pattern"


def test_order_wins_over_position_in_the_block():
    # A later pattern matching at the start must not beat an earlier one matching further on.
    patterns = Patterns(
        (
            Pattern("late", re.compile(r"\bbeta\b", re.I)),
            Pattern("anchored", re.compile(r"^(?=.{0,40}$)alpha", re.I)),
        )
    )
    assert patterns.match("alpha beta") == "late"
    assert patterns.match("Alpha gamma") == "anchored"
    assert patterns.match("alpha" + "x" * 35) == "anchored"  # exactly the 40 characters allowed
    assert patterns.match("alpha " + "x" * 40) is None


def test_screens_never_hide_a_match():
    # A long-s matches "s" case-insensitively; a negative look-ahead requires nothing.
    odd = load_patterns([r"^ſtop here", r"\bſtop there", r"(?!advertorial)\b\w+ ad$"])
    for block in ("STOP here", "please stop there", "sponsored ad"):
        assert odd.match(block) == "site-pattern" == first_match(odd, block)


def test_screens_are_necessary_conditions():
    # Random blocks from the patterns' own words: whenever a regex matches, its screen passes.
    words = """share this the original source of this article is via source: © 2026 all rights
    reserved donate to us support our work reader-supported continue reading at photo: image via
    related: read also posted by jane moss in news - | — advertisement like this: 12 views x"""
    vocab = words.split() + [",", ".", ":", "!", "(visited", "times)", "Follow", "us", "Subscribe"]
    rng = random.Random(3)
    checked = 0
    for _ in range(4000):
        block = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 7)))
        block = block.upper() if rng.random() < 0.2 else block
        assert PATTERNS.match(block) == first_match(PATTERNS, block), block
        lower = block.lower()
        for pattern in PATTERNS.items:
            if not pattern.regex.search(block):
                continue
            checked += 1
            max_len, starts, needles = _screen(pattern.regex.pattern, pattern.regex.flags)
            assert max_len is None or len(block) <= max_len
            assert not starts or lower.startswith(starts), (pattern.name, block)
            assert not needles or any(n in lower for n in needles), (pattern.name, block)
    assert checked > 500


def test_screens_of_known_patterns():
    by_name = {}
    for p in PATTERNS.items:
        by_name.setdefault(p.name, _screen(p.regex.pattern, p.regex.flags))
    assert by_name["original-source"][:2] == (300, ("the original source of this ",))
    assert by_name["byline"][:2] == (160, ("filed", "posted", "submitted", "written"))
    assert by_name["section-label"] == (None, (), ())  # starts with a character class
    # An unanchored regex has no start screen, only literals it must hold.
    assert _screen(r"\bfair use notice\b|\bcopyrighted\b", re.I) == (
        None,
        (),
        ("copyrighted", "fair use notice"),
    )
    assert _screen(r"(unclosed", 0) == (None, (), ())


def plain_normalise(block: str) -> str:
    """The plain rule, step by step."""
    text = " ".join(
        re.sub(r"\d[\d.,\s]*\d|\d", "0", unicodedata.normalize("NFKC", block).casefold()).split()
    )
    word = re.compile(r"[^\W_]")
    first = word.search(text)
    if first is None:
        return ""
    return text[first.start() : len(text) - word.search(text[::-1]).start()]


def test_normalise_shortcuts_equal_the_plain_rule():
    rng = random.Random(5)
    ascii_only = "aZ09 .,-_:!?'\t\x0b\x1c\x7f()"
    other = ascii_only + "’“”—é\xa0\u2003\uff11\u0661ßİſ\u212a_"
    for alphabet in (ascii_only, other):
        for _ in range(5000):
            block = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
            assert normalise(block) == plain_normalise(block), repr(block)
    assert normalise("  Visited 1, 234 times!! ") == "visited 0 times"
    assert normalise("Ünïcode 12 ＡＢ") == "ünïcode 0 ab"


# -- learning at scale ---------------------------------------------------------------------------


def test_a_site_footer_under_hundreds_of_short_pages_is_learned():
    # 600 short pages of one site with their own bodies under one footer and one disclaimer.
    def name(a: int) -> str:  # letters, as digits all normalise to 0
        return "".join(chr(97 + a // 26**i % 26) for i in range(2))

    paragraphs = [f"{p} of piece {name(a)}" for a in range(600) for p in ("First", "Then", "Last")]
    triples = [
        (a, "gazette.example", "\n".join([*paragraphs[3 * a : 3 * a + 3], FOOTER, DISCLAIMER]))
        for a in range(600)
    ]
    learned = learn(triples)
    assert {r["text"] for r in learned.rows()} == {FOOTER, DISCLAIMER}
    assert all(r["pages"] == 600 for r in learned.rows())


def test_excerpts_and_relead_copies_of_one_piece_are_one_piece_in_any_order():
    # One piece, six pages on six sites: the whole text, a copy with a line added, two copies
    # with a new lead, and two excerpts of the start, each under a byline with a poster's name.
    # An excerpt is one piece with the whole text but not with a copy that replaced the lead
    # (they share too little beside the paragraphs on every page), so "one piece" does not
    # chain: whichever page comes first, the shared paragraphs are the piece, not a repeat.
    rng = random.Random(11)
    vocabulary = [f"{a}{b}" for a in ("har", "mel", "quor", "ty", "brin", "sol") for b in "aeiou"]

    def paragraph(words: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(words)).capitalize() + "."

    lead, added, new_lead = paragraph(27), paragraph(17), paragraph(21)
    shared, rest = (
        [paragraph(n) for n in (27, 24, 32, 24)],
        [paragraph(n) for n in (35, 34, 28, 46, 36)],
    )
    pages = {
        "origin.example": [lead, *shared, *rest],
        "rake.example": [lead, *shared, added, *rest],
        "scroll.example": [new_lead, *shared, added, *rest],
        "pulse.example": [new_lead, *shared, added, *rest],
        "porch.example": ["Posted by Anna Moss in Local News", lead, *shared, added, "Join in."],
        "relais.example": ["Publié par Jean Roux dans Quartier", lead, *shared, rest[1], "Merci."],
    }
    for order in ([2, 4, 5, 1, 0, 3], [0, 1, 2, 3, 4, 5], [4, 5, 3, 2, 1, 0]):
        sites = [list(pages)[i] for i in order]
        articles = [(n, site, "\n".join(pages[site])) for n, site in enumerate(sites)]
        learned = learn(articles)
        assert not [p for p in shared if learned.reason(normalise(p), None)], order


def test_strip_with_the_lines_learn_read_needs_no_normalising_and_strips_the_same():
    pages = [
        (i, "gazette.example", article(i, "", f"  {FOOTER.upper()} ", FOOTER)) for i in (1, 2, 3)
    ]
    pages += [
        (i, f"s{i}.example", article(i, "Shared under a free licence, ask us first."))
        for i in (4, 5, 6)
    ]
    learned = learn(pages)
    assert learned.site and learned.cross
    for article_id, site, text in pages:
        lines = learned.lines_of(article_id, site, text)
        assert lines and set(lines.values()) <= set(learned.site.get(site, {})) | set(learned.cross)
        assert strip(text, PATTERNS, learned, site, lines) == strip(text, PATTERNS, learned, site)
    # Another text or another site than learn() read: no lines, strip normalises itself.
    assert learned.lines_of(1, "gazette.example", pages[0][2] + "\nmore") is None
    assert learned.lines_of(1, "other.example", pages[0][2]) is None
    assert learned.lines_of(99, "gazette.example", pages[0][2]) is None
    assert Learned.from_rows(learned.rows()).lines_of(1, "gazette.example", pages[0][2]) is None
