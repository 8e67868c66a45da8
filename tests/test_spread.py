"""trace(): origin and parent of each copy on hand-built clusters (all text invented here)."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from dedupe import spread
from dedupe.spread import Spread, describe, parse_time, trace

PARAGRAPHS = [
    "The harbour council voted on Tuesday to close the old ferry pier for repairs.",
    "Engineers found that three of the wooden pilings had rotted below the waterline.",
    "Ferry passengers will board from the temporary pontoon beside the fish market.",
    "The council expects the work to take about eleven weeks if the weather holds.",
    "Local traders said they welcomed the repairs but worried about lost visitors.",
]
TITLE = "Harbour council closes ferry pier for repairs"
REPUBLISHED = "This story was republished by Big Gazette under a sharing agreement."
CREDIT = "The original source of this article is Small Harbour News."


def member(i: int, site: str, path: str = "/news/ferry-pier", **fields) -> dict:
    """A cluster member with the fields trace() reads; sensible defaults, overridable."""
    row = {
        "id": i,
        "url": f"https://{site}{path}",
        "site": site,
        "title": TITLE,
        "published": None,
        "published_source": None,
        "fetched_at": f"2024-05-10T00:{i:02d}:00+00:00",
        "canonical_url": None,
        "attribution_url": None,
        "attribution_name": None,
        "text": "\n".join(PARAGRAPHS),
        "kind": "copy",
        "removed": [],
    }
    row.update(fields)
    return row


def tree_of(spread: Spread, members: list[dict]) -> nx.DiGraph:
    """Check the spread is a tree: one parent per member except the root(s), no cycles."""
    graph = nx.DiGraph()
    graph.add_nodes_from(m["id"] for m in members)
    parents = spread.parent_of()
    for target, source in parents.items():
        graph.add_edge(source, target)
    assert all(graph.in_degree(m["id"]) == 1 for m in members if m["id"] in parents)
    assert set(parents) >= {m["id"] for m in members} - {spread.origin_id}
    assert nx.is_directed_acyclic_graph(graph)
    assert max(d for _, d in graph.in_degree()) <= 1
    for edge in spread.edges:
        assert 0.0 <= edge["confidence"] <= 1.0
    return graph


def edges_by_target(spread: Spread) -> dict[int, dict]:
    return {e["target_article_id"]: e for e in spread.edges}


def test_chain_with_attribution_links():
    origin = "https://small-harbour.example/news/ferry-pier"
    big = "https://www.biggazette.example/2024/05/ferry-pier"
    members = [
        # Listed out of order on purpose; the aggregators claim no earlier times.
        member(5, "aggone.example", published="2024-05-01T12:00:00+00:00", attribution_url=big),
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2,
            "biggazette.example",
            path="/2024/05/ferry-pier?amp=1",
            canonical_url=big,
            published="2024-05-01T10:00:00+00:00",
            attribution_url=origin + "?utm_source=feed#top",
            attribution_name="Small Harbour News",
        ),
        # Attributes to the republisher's canonical URL, with tracking junk.
        member(
            6,
            "aggtwo.example",
            published="2024-05-01T13:30:00+00:00",
            attribution_url=big + "?utm_medium=rss",
        ),
        member(7, "aggthree.example", published="2024-05-02T09:00:00+00:00", attribution_url=big),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 1
    edges = edges_by_target(spread)
    assert edges[2]["source_article_id"] == 1
    assert edges[2]["evidence"].startswith("attribution-link")
    assert edges[2]["lag_hours"] == 2.0
    for aggregator in (5, 6, 7):
        assert edges[aggregator]["source_article_id"] == 2
        assert edges[aggregator]["evidence"] == "attribution-link:via-canonical"
        assert edges[aggregator]["confidence"] >= 0.9
    assert edges[5]["lag_hours"] == 2.0
    assert edges[7]["lag_hours"] == 23.0
    assert spread.flags == {}
    assert spread.external == []


def test_carried_boilerplate_and_text_lineage_without_attribution():
    dropped = "\n".join(p for p in PARAGRAPHS if not p.startswith("The council expects"))
    changed = dropped.replace("wooden pilings had rotted", "timber piles had decayed")
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2,
            "biggazette.example",
            published="2024-05-01T10:00:00+00:00",
            attribution_url="https://small-harbour.example/news/ferry-pier",
            removed=[(CREDIT, "credit-line"), (REPUBLISHED, "site-repeat")],
        ),
        # Came through the republisher: still carried its disclaimer, and its credit line,
        # whose link names the origin (an inherited attribution, not a first-hand one).
        member(
            3,
            "aggone.example",
            published="2024-05-01T11:00:00+00:00",
            attribution_url="https://small-harbour.example/news/ferry-pier",
            text=dropped,
            title="Ferry pier shut as pilings rot",
            removed=[(CREDIT, "cross-site-repeat"), (REPUBLISHED, "cross-site-repeat")],
        ),
        # No boilerplate, no attribution: shares aggone's dropped paragraph and new title,
        # and makes one edit of its own.
        member(
            4,
            "aggtwo.example",
            published="2024-05-01T15:00:00+00:00",
            text=changed,
            title="Ferry pier shut as pilings rot",
        ),
        # A plain copy with nothing particular: hangs off the origin by time.
        member(5, "aggthree.example", published="2024-05-02T08:00:00+00:00"),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 1
    edges = edges_by_target(spread)
    assert (edges[2]["source_article_id"], edges[2]["evidence"]) == (1, "attribution-link")
    assert edges[3]["source_article_id"] == 2
    assert edges[3]["evidence"].startswith("carried-boilerplate:biggazette.example")
    assert spread.flags[3] == ["attribution-inherited:biggazette.example"]
    assert edges[4]["source_article_id"] == 3
    assert edges[4]["evidence"] == "text-lineage:2-shared-edits"
    assert edges[4]["lag_hours"] == 4.0
    assert (edges[5]["source_article_id"], edges[5]["evidence"]) == (1, "earliest-published")
    assert edges[5]["confidence"] < edges[4]["confidence"] < edges[3]["confidence"]


def test_lineage_reaches_excerpts_through_added_lines():
    added = "A harbour spokesperson said the pontoon would have a covered waiting area."
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2,
            "biggazette.example",
            published="2024-05-01T09:00:00+00:00",
            text="\n".join([*PARAGRAPHS, added]),
        ),
        member(
            3,
            "digest.example",
            published="2024-05-01T09:30:00+00:00",
            text="\n".join([PARAGRAPHS[0], added]),
            kind="excerpt",
        ),
        # A plain copy: the added line is particular to one branch, not the origin's page.
        member(4, "aggtwo.example", published="2024-05-01T09:45:00+00:00"),
    ]
    spread = trace(members)
    tree_of(spread, members)
    edges = edges_by_target(spread)
    assert (edges[3]["source_article_id"], edges[3]["evidence"]) == (
        2,
        "text-lineage:1-shared-edit",
    )


def test_date_only_is_uncertain_within_its_day():
    members = [
        # Date-only on the same day as the origin's exact time: a naive sort would put it at
        # midnight, first; here the day is uncertain and the origin was seen first.
        member(2, "aggone.example", published="2024-05-02", fetched_at="2024-05-02T20:00:00Z"),
        member(
            1,
            "small-harbour.example",
            published="2024-05-02T07:00:00+00:00",
            fetched_at="2024-05-02T09:00:00Z",
        ),
        member(3, "aggtwo.example", published="2024-05-03T01:00:00+00:00"),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 1
    edges = edges_by_target(spread)
    assert edges[2]["lag_hours"] is None  # date-only: no hour-level lag
    assert edges[3]["lag_hours"] == 18.0
    assert edges[3]["evidence"] == "earliest-published"
    # A date-only day that ends before another time is definitely earlier.
    day = parse_time("2024-05-01")
    assert day is not None and not day.exact
    assert day.end < parse_time("2024-05-02T00:00:00+00:00").start


def test_origin_without_date():
    origin = "https://small-harbour.example/news/ferry-pier"
    members = [
        member(1, "small-harbour.example", fetched_at="2024-05-09T00:00:00Z"),
        member(
            2,
            "biggazette.example",
            published="2024-05-01T10:00:00+00:00",
            attribution_name="Small Harbour News",
        ),
        member(
            3,
            "aggone.example",
            published="2024-05-01T12:30:00+00:00",
            attribution_url="https://biggazette.example/news/ferry-pier",
        ),
        member(4, "aggtwo.example", published="2024-04-30T12:30:00+00:00", attribution_url=origin),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 1
    edges = edges_by_target(spread)
    assert edges[2]["source_article_id"] == 1
    assert edges[2]["evidence"] == "attribution-name:Small Harbour News"
    assert edges[2]["lag_hours"] is None  # the origin has no date
    assert edges[3]["source_article_id"] == 2
    assert edges[3]["lag_hours"] == 2.5
    assert edges[4]["source_article_id"] == 1


def test_copy_claiming_earlier_date_is_flagged_not_believed():
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2,
            "aggone.example",
            published="2024-04-28T08:00:00+00:00",
            attribution_url="https://small-harbour.example/news/ferry-pier",
        ),
        member(
            3,
            "aggtwo.example",
            published="2024-05-01T08:00:00+00:00",
            canonical_url="https://small-harbour.example/news/ferry-pier",
        ),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 1
    edges = edges_by_target(spread)
    assert edges[2]["source_article_id"] == 1
    assert edges[2]["lag_hours"] is None
    assert spread.flags[2] == ["claims-earlier-than-source"]
    assert edges[3]["evidence"] == "canonical"
    assert spread.flags[3] == ["same-time-as-source"]


def test_external_sources_become_nodes():
    wire = "https://wire.example/stories/ferry-pier-closure"
    members = [
        member(
            1,
            "small-harbour.example",
            published="2024-05-01T08:00:00+00:00",
            attribution_url=wire,
            attribution_name="Wire Example",
        ),
        member(
            2,
            "biggazette.example",
            published="2024-05-01T09:00:00+00:00",
            attribution_url="https://small-harbour.example/news/ferry-pier",
        ),
        member(
            3,
            "aggone.example",
            published="2024-05-01T10:00:00+00:00",
            attribution_name="Coastal Newswire",
        ),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 1
    by_key = {e["key"]: e for e in spread.external}
    ext = by_key["external:https://wire.example/stories/ferry-pier-closure"]
    assert (ext["site"], ext["name"], ext["named_by"]) == ("wire.example", "Wire Example", [1])
    assert ext["children"] == [
        {"target_article_id": 1, "evidence": "attribution-link", "confidence": 0.95}
    ]
    named = by_key["external-name:coastalnewswire"]
    assert named["url"] is None and named["children"][0]["target_article_id"] == 3
    assert spread.parent_of() == {1: ext["key"], 2: 1, 3: named["key"]}
    assert {e["target_article_id"] for e in spread.edges} == {2}


def test_contradicting_claims_make_no_cycle():
    members = [
        member(
            1,
            "small-harbour.example",
            published="2024-05-01T08:00:00+00:00",
            canonical_url="https://biggazette.example/news/ferry-pier",
        ),
        member(
            2,
            "biggazette.example",
            published="2024-05-01T09:00:00+00:00",
            attribution_url="https://small-harbour.example/news/ferry-pier",
        ),
        member(3, "aggone.example", published="2024-05-01T10:00:00+00:00"),
    ]
    spread = trace(members)
    graph = tree_of(spread, members)
    assert spread.origin_id == 1  # the attribution link outweighs the canonical claim
    assert list(graph.predecessors(2)) == [1]


def test_single_member_and_empty():
    spread = trace([member(9, "small-harbour.example")])
    assert (spread.origin_id, spread.edges, spread.flags) == (9, [], {})
    with pytest.raises(ValueError):
        trace([])


def test_edits_every_copy_shares_are_not_lineage():
    headline = TITLE  # some extractions keep the headline as a body line
    footer = "Readers can send corrections to the desk by email at any time."
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        *(
            member(
                i,
                f"agg{i}.example",
                published=f"2024-05-01T1{i}:00:00+00:00",
                text="\n".join([headline, *PARAGRAPHS, footer]),
            )
            for i in (2, 3, 4)
        ),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert {e["source_article_id"] for e in spread.edges} == {1}
    evidence = {e["target_article_id"]: e["evidence"] for e in spread.edges}
    # The first copy could only have come from the origin; the others are guesses from time.
    assert evidence == {
        2: "earliest-published:sole-candidate",
        3: "earliest-published",
        4: "earliest-published",
    }


def test_a_copy_with_no_evidence_is_sure_only_when_the_origin_is_its_one_possible_source():
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(2, "agg2.example", published="2024-05-01T10:00:00+00:00"),
        member(3, "agg3.example", published="2024-05-02"),  # its whole day, after 2
        member(4, "agg4.example", published="2024-05-02T09:00:00+00:00"),  # within 3's day
    ]
    edges = {e["target_article_id"]: (e["evidence"], e["confidence"]) for e in trace(members).edges}
    assert edges[2] == ("earliest-published:sole-candidate", 0.9)
    assert edges[3] == edges[4] == ("earliest-published", 0.35)
    # An undated member may be anyone's source: nothing is sure any more.
    members.append(member(5, "agg5.example"))
    edges = {e["target_article_id"]: e["evidence"] for e in trace(members).edges}
    assert set(edges.values()) == {"earliest-published", "earliest-fetched"}


def test_aggregator_is_origin_only_when_no_other_site_can_be():
    members = [
        member(1, "aggone.example", role="aggregator", published="2024-05-01T06:00:00+00:00"),
        member(2, "small-harbour.example", role="origin", published="2024-05-01T08:00:00+00:00"),
        member(3, "aggtwo.example", role="aggregator", published="2024-05-01T09:00:00+00:00"),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 2
    assert spread.flags[1] == ["claims-earlier-than-source"]
    only_aggregators = [m for m in members if m["role"] == "aggregator"]
    assert trace(only_aggregators).origin_id == 1


def test_credit_line_names_the_nearer_source():
    origin = "https://small-harbour.example/news/ferry-pier"
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2, "biggazette.example", published="2024-05-01T09:00:00+00:00", attribution_url=origin
        ),
        # Credits the origin in its metadata (a carried credit line) and the republisher in a
        # stripped "Source:" line; the republisher itself credits the origin.
        member(
            3,
            "aggone.example",
            published="2024-05-01T10:00:00+00:00",
            attribution_url=origin,
            removed=[(CREDIT, "original-source"), ("Source: Big Gazette", "attribution-line")],
        ),
    ]
    spread = trace(members)
    tree_of(spread, members)
    edges = edges_by_target(spread)
    assert edges[3]["source_article_id"] == 2
    assert edges[3]["evidence"] == "credit-line:biggazette.example"
    assert spread.flags[3] == ["attribution-inherited:biggazette.example"]
    lines = describe(spread, members)
    assert lines[0] == "origin: small-harbour.example (article 1)"
    assert "biggazette.example -> aggone.example (credit-line:biggazette.example, 0.75)" in lines


def test_carried_disclaimer_names_the_republisher_even_when_its_page_lost_it():
    origin = "https://small-harbour.example/news/ferry-pier"
    notice = "Notice: Big Gazette republishes independent reporting and accepts no liability."
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        # Extraction left the republisher's own footer out of its page: nothing stripped.
        member(
            2, "biggazette.example", published="2024-05-01T09:00:00+00:00", attribution_url=origin
        ),
        # Credits the origin, but still carries the republisher's notice (and a credit line
        # naming the origin, which is a credit, not something of the origin's page).
        member(
            3,
            "aggone.example",
            published="2024-05-01T10:00:00+00:00",
            attribution_url=origin,
            removed=[(CREDIT, "cross-site-repeat"), (notice, "cross-site-repeat")],
        ),
        # A plain copy crediting the origin and carrying nothing: taken at its word.
        member(4, "aggtwo.example", published="2024-05-01T11:00:00+00:00", attribution_url=origin),
    ]
    spread = trace(members)
    tree_of(spread, members)
    edges = edges_by_target(spread)
    assert edges[3]["source_article_id"] == 2
    assert edges[3]["evidence"] == "carried-boilerplate:biggazette.example"
    assert spread.flags[3] == ["attribution-inherited:biggazette.example"]
    assert (edges[4]["source_article_id"], edges[4]["evidence"]) == (1, "attribution-link")


def test_excerpt_teaser_names_its_source():
    origin = "https://small-harbour.example/news/ferry-pier"
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2, "biggazette.example", published="2024-05-01T09:00:00+00:00", attribution_url=origin
        ),
        # An excerpt whose first link (the carried credit) names the origin; its own teaser
        # names the republisher it was taken from.
        member(
            3,
            "aggone.example",
            published="2024-05-01T10:00:00+00:00",
            attribution_url=origin,
            kind="excerpt",
            text="\n".join(PARAGRAPHS[:2]),
            removed=[
                (CREDIT, "original-source"),
                ("Read the full story at Big Gazette", "continue-reading"),
            ],
        ),
    ]
    spread = trace(members)
    tree_of(spread, members)
    edge = edges_by_target(spread)[3]
    assert (edge["source_article_id"], edge["evidence"]) == (2, "credit-line:biggazette.example")


def test_excerpts_of_one_page_do_not_pass_their_credit_to_each_other():
    page = "https://aggone.example/news/ferry-pier"
    edited = [
        PARAGRAPHS[0],
        "Engineers found three wooden pilings rotted through.",
        *PARAGRAPHS[2:],
    ]
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(2, "aggone.example", published="2024-05-01T09:00:00+00:00", text="\n".join(edited)),
        member(5, "aggthree.example", published="2024-05-01T09:30:00+00:00"),
        # Two excerpts of the aggregator's edited page, both crediting it; alike, each looks as
        # if it came through the other, which says nothing: each came from the page it credits.
        *(
            member(
                i,
                site,
                published=f"2024-05-01T1{i}:00:00+00:00",
                attribution_url=page,
                kind="excerpt",
                text="\n".join(edited[:2]),
            )
            for i, site in ((3, "community.example"), (4, "aggtwo.example"))
        ),
    ]
    links = [(3, 4, 1.0), (2, 3, 0.4), (2, 4, 0.4), (1, 2, 0.8), (1, 5, 1.0)]
    spread = trace(members, links)
    tree_of(spread, members)
    edges = edges_by_target(spread)
    # Each keeps its own link (the first excerpt also reproduces the page's edit; the second's
    # shared cut with the first does not outweigh its link).
    assert [(edges[i]["source_article_id"], edges[i]["evidence"]) for i in (3, 4)] == [
        (2, "attribution-link; text-lineage:1-shared-edit"),
        (2, "attribution-link"),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_quick_branching_equals_edmonds(seed, monkeypatch):
    # Random claim graphs with ties, cycles and external sources: the shortcut (every target's
    # unique heaviest claim, when acyclic) must choose what Edmonds' algorithm chooses.
    rng = random.Random(seed)
    for _ in range(200):
        n = rng.randint(2, 7)
        nodes = [*range(n), "external:a"]
        merged = {}
        for _ in range(rng.randint(1, 12)):
            source, target = rng.choice(nodes), rng.randrange(n)
            if source != target:
                claim = spread._Claim(
                    source, target, rng.randint(1, 5), rng.choice([0.5, 0.8]), "e"
                )
                merged[(source, target)] = claim
        quick = spread._branching(merged, nodes)
        with monkeypatch.context() as m:
            m.setattr(spread, "_best_parents", lambda merged: None)
            assert quick == spread._branching(merged, nodes)


# -- failure classes found on webs the project did not write --------------------------------------


def test_a_copy_dated_to_the_day_does_not_take_the_origin_from_a_credited_timestamp():
    # The origin shows a time; a copy shows only the day (or a copy of the source's date); a
    # third credits the origin. Time cannot order the first two, the others' evidence does, and
    # the first seen (crawl order) must not.
    origin = "https://small-harbour.example/news/ferry-pier"
    members = [
        member(1, "aggone.example", published="2024-05-01", fetched_at="2024-05-10T00:00:00+00:00"),
        member(2, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(3, "aggtwo.example", published="2024-05-01T20:00:00+00:00", attribution_url=origin),
    ]
    assert trace(members).origin_id == 2
    # Nobody credits anyone: an exact time is more than a day, and a date more than none.
    bare = [{**m, "attribution_url": None} for m in members]
    assert trace(bare).origin_id == 2
    undated = [{**bare[0], "published": None}, {**bare[1], "published": "2024-05-01"}]
    assert trace(undated).origin_id == 2


def test_a_canonical_on_the_origin_does_not_outweigh_the_footer_of_the_page_copied():
    # A copy of a republished copy keeps its source's canonical (the origin) but carries the
    # republisher's footer: it came through the republisher, which credits nobody itself.
    origin = "https://small-harbour.example/news/ferry-pier"
    footer = "Republished by Big Gazette readers for readers, with thanks to the writer."
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2,
            "biggazette.example",
            published="2024-05-01T10:00:00+00:00",
            removed=[(footer, "site-repeat")],
        ),
        member(
            3,
            "aggone.example",
            published="2024-05-01T12:00:00+00:00",
            canonical_url=origin,
            removed=[(footer, "cross-site-repeat")],
        ),
    ]
    edges = edges_by_target(trace(members))
    assert edges[3]["source_article_id"] == 2
    assert edges[3]["evidence"].startswith("carried-boilerplate:biggazette.example")
    # With nothing carried, the canonical still beats time: and the origin is its target.
    members[2]["removed"] = []
    assert edges_by_target(trace(members))[3]["evidence"] == "canonical"


def test_edits_copiers_make_on_their_own_are_not_lineage():
    # Two copies straighten the quotes and tag the headline, each on its own; neither came
    # through the other. A third drops a paragraph, and a fourth reproduces that drop: lineage.
    curly = [p.replace("three", "“three”") for p in PARAGRAPHS]
    straight = [p.replace("three", '"three"') for p in PARAGRAPHS]
    members = [
        member(
            1, "small-harbour.example", published="2024-05-01T08:00:00+00:00", text="\n".join(curly)
        ),
        member(
            2,
            "aggone.example",
            published="2024-05-01T09:00:00+00:00",
            text="\n".join(straight),
            title="VIDEO: " + TITLE,
        ),
        member(
            3,
            "aggtwo.example",
            published="2024-05-01T10:00:00+00:00",
            text="\n".join(straight),
            title="VIDEO: " + TITLE.upper(),
        ),
        member(
            4,
            "aggthree.example",
            published="2024-05-01T11:00:00+00:00",
            text="\n".join(curly[:2] + curly[3:]),
        ),
        member(
            5,
            "aggfour.example",
            published="2024-05-01T12:00:00+00:00",
            text="\n".join(curly[:2] + curly[3:]),
        ),
    ]
    edges = edges_by_target(trace(members))
    assert edges[3]["source_article_id"] == 1, edges[3]
    assert edges[5]["source_article_id"] == 4
    assert edges[5]["evidence"].startswith("text-lineage")


def test_an_excerpt_of_an_excerpt_came_through_it():
    # Excerpts stop where they like; one that stops where another does came through it, and
    # the credit line it carried from that excerpt (naming the origin) is the excerpt's.
    members = [
        member(1, "small-harbour.example", published="2024-05-01T08:00:00+00:00"),
        member(
            2,
            "aggone.example",
            published="2024-05-01T09:00:00+00:00",
            kind="excerpt",
            text="\n".join(PARAGRAPHS[:3]),
            attribution_name="Small Harbour News",
        ),
        member(
            3,
            "aggtwo.example",
            published="2024-05-01T10:00:00+00:00",
            kind="excerpt",
            text="\n".join(PARAGRAPHS[:2]),
        ),
        member(
            4,
            "aggthree.example",
            published="2024-05-01T11:00:00+00:00",
            kind="excerpt",
            text="\n".join(PARAGRAPHS[:3]),
            attribution_name="Small Harbour News",
        ),
    ]
    edges = edges_by_target(trace(members))
    assert edges[4]["source_article_id"] == 2
    assert edges[3]["source_article_id"] == 1


def test_a_short_fragment_repeated_by_a_site_is_not_its_footer():
    # "U.S." stripped as a site repeat of one site and as a cross-site repeat on another page
    # does not make that page a carrier of the first site's footer.
    members = [
        member(
            1,
            "small-harbour.example",
            published="2024-05-01T08:00:00+00:00",
            removed=[("U.S.", "cross-site-repeat")],
        ),
        member(2, "aggone.example", published="2024-05-01", removed=[("U.S.", "site-repeat")]),
    ]
    spread_ = trace(members)
    assert spread_.origin_id == 1
    assert not edges_by_target(spread_)[2]["evidence"].startswith("carried")


def test_a_headline_tag_is_not_lineage_when_the_headline_has_a_colon_of_its_own():
    base = "Harbour council: ferry pier closes for repairs"
    for tagged in (
        base + " (VIDEO)",
        "WATCH: " + base,
        "BREAKING - " + base.upper() + " [UPDATED]",
    ):
        assert spread._title_core(tagged, base) == spread._lineage_line(base), tagged
    assert spread._title_core("Harbour council: pier stays open", base) != spread._lineage_line(
        base
    )


def test_where_dates_leave_the_origin_open_the_originator_site_wins():
    # Nobody in the cluster credits anyone; the first page shows no date, the copies are dated.
    members = [
        member(1, "small-harbour.example", fetched_at="2024-05-09T00:00:00Z", originator=True),
        member(2, "aggone.example", published="2024-05-01T10:00:00+00:00"),
        member(3, "aggtwo.example", published="2024-05-01T12:30:00+00:00"),
    ]
    spread = trace(members)
    tree_of(spread, members)
    assert spread.origin_id == 1
    assert {e["target_article_id"]: e["source_article_id"] for e in spread.edges} == {2: 1, 3: 1}
    # Without that standing, the dated copy is the earliest known member.
    plain = [{**m, "originator": False} for m in members]
    assert trace(plain).origin_id == 2
    # A tie at the second, and two pages dated to one day: the originator again.
    tied = [
        member(1, "aggone.example", published="2024-05-01T10:00:00+00:00"),
        member(2, "small-harbour.example", published="2024-05-01T10:00:00+00:00", originator=True),
    ]
    assert trace(tied).origin_id == 2
    day = [
        member(1, "aggone.example", published="2024-05-01"),
        member(2, "small-harbour.example", published="2024-05-01", originator=True),
    ]
    assert trace(day).origin_id == 2
    # It never outweighs a date: a page dated definitely earlier stays the origin.
    earlier = [
        member(1, "aggone.example", published="2024-04-30T10:00:00+00:00"),
        member(2, "small-harbour.example", published="2024-05-01T10:00:00+00:00", originator=True),
    ]
    assert trace(earlier).origin_id == 1


def test_the_time_fallback_is_as_sure_as_copies_with_a_named_source_come_from_the_origin():
    prior = spread.CONFIDENCE["earliest-published"]
    assert spread.fallback_confidence(15, 19) == prior  # too few named sources to tell
    assert spread.fallback_confidence(17, 20) == 0.85
    assert spread.fallback_confidence(5, 40) == 0.125
    # Never as sure as a copy whose only possible source is the origin.
    assert spread.fallback_confidence(40, 40) < spread.CONFIDENCE["sole-candidate"]
