"""Site roles inferred from the flows when sites.toml gives none (dedupe.roles)."""

from __future__ import annotations

import json
from pathlib import Path

from dedupe.roles import credited_origins, infer_roles
from dedupe.store import Store


def test_infer_roles_from_flows():
    flows = [
        ("paper", "wire", 10), ("paper", "digest", 6), ("wire", "digest", 8),
        ("wire", "blog", 3), ("digest", "blog", 1), ("paper", "paper", 4),
        ("tiny", "blog", 1), ("paper", "blog", 5),
    ]  # fmt: skip
    # paper: copied 21, copies 0; wire: copied 11, copies 10; digest: 1 / 14; blog: 0 / 10
    assert infer_roles(flows) == {
        "paper": "origin",
        "wire": "republisher",
        "digest": "aggregator",
        "blog": "aggregator",
    }  # tiny: one piece is too little to tell


def test_credited_origins_from_what_pages_say():
    names = {
        "harbour-herald.example": "Harbour Herald",
        "wide-lens.example": "The Wide Lens",
        "newsrake.example": "Newsrake",
        "tiny-post.example": "Tiny Post",
    }
    herald = "https://harbour-herald.example/2024/05/ferry/"
    lens = "https://wide-lens.example/articles/ferry/"
    credits = [
        # The herald is credited by link, by canonical URL and by name (any letter case).
        ("newsrake.example", herald, None, None),
        ("newsrake.example", None, None, herald),
        ("newsrake.example", None, "HARBOUR HERALD", None),
        ("wide-lens.example", herald, "Harbour Herald", herald),  # one article, one credit
        # The lens is credited 3 times and credits others 4 times: a republisher.
        ("newsrake.example", lens, None, None),
        ("newsrake.example", None, "Wide Lens", None),
        ("newsrake.example", lens, None, None),
        ("wide-lens.example", None, "Harbour Herald", None),
        ("wide-lens.example", None, "Someone Outside", None),  # a source not crawled
        # Two credits are too few to tell; a page naming its own site credits nobody.
        ("newsrake.example", "https://tiny-post.example/a/", None, None),
        ("wide-lens.example", "https://tiny-post.example/b/", None, None),
        ("harbour-herald.example", None, "Harbour Herald", herald),
    ]
    assert credited_origins(credits, names) == {"harbour-herald.example"}
    # Credited as often as crediting is not enough; more often is.
    even = credits + [("newsrake.example", "https://wide-lens.example/x/", None, None)]
    assert credited_origins(even, names) == {"harbour-herald.example"}
    more = even + [("tiny-post.example", None, "The Wide Lens", None)]
    assert credited_origins(more, names) == {"harbour-herald.example", "wide-lens.example"}


# -- a larger web: 14 sites, roles left to the flows --------------------------------------------

ROLE_WEB = {
    "origin": ["harbour-herald", "valley-courier", "north-ledger", "river-times"],
    "republisher": ["wide-lens", "daily-relay"],
    "aggregator": ["newsrake", "pulse-wire", "scroll", "feedly-ish", "headline-hub", "zipnews"],
    "community": ["porchlight", "town-forum"],
}


def build_role_database(path: Path, pieces: int = 90, seed: int = 3) -> dict[str, str]:
    """A spread over 14 invented sites with no role given: origins publish, republishers copy
    them, aggregators copy both, community sites post excerpts of any. Returns site -> role."""
    import random

    rng = random.Random(seed)
    site_of = {f"{name}.example": role for role, names in ROLE_WEB.items() for name in names}
    by_role = {role: [f"{n}.example" for n in names] for role, names in ROLE_WEB.items()}
    with Store(path) as store:
        for site in site_of:
            store.upsert_site(site, name=site.split(".")[0].replace("-", " ").title())
        rows, plans = [], []
        for piece in range(pieces):
            origin = rng.choice(by_role["origin"])
            chain = [(origin, None)]
            for republisher in rng.sample(by_role["republisher"], rng.randint(0, 2)):
                chain.append((republisher, origin))
            for aggregator in rng.sample(by_role["aggregator"], rng.randint(1, 3)):
                chain.append((aggregator, rng.choice([site for site, _ in chain])))
            for forum in rng.sample(by_role["community"], rng.randint(0, 1)):
                chain.append((forum, rng.choice([site for site, _ in chain])))
            plans.append(chain)
            for hour, (site, _) in enumerate(chain):
                rows.append(
                    (
                        {
                            "url": f"https://{site}/piece-{piece}",
                            "site": site,
                            "title": f"Piece {piece}",
                            "published": f"2026-11-{1 + piece % 28:02d}T{hour + 6:02d}:00:00+00:00",
                            "text": f"piece {piece}",
                        },
                        [],
                    )
                )
        ids = dict(zip((a["url"] for a, _ in rows), store.add_articles(rows), strict=True))
        clusters, members, edges = [], [], []
        for piece, chain in enumerate(plans, start=1):
            url = {site: f"https://{site}/piece-{piece - 1}" for site, _ in chain}
            origin_id = ids[url[chain[0][0]]]
            clusters.append(
                {"id": piece, "origin_article_id": origin_id, "size": len(chain),
                 "sites": len(chain), "title": f"Piece {piece - 1}"}
            )  # fmt: skip
            for hour, (site, source) in enumerate(chain):
                kind = "origin" if source is None else "copy"
                members.append({"cluster_id": piece, "article_id": ids[url[site]], "kind": kind})
                if source:
                    edges.append(
                        {"cluster_id": piece, "source_article_id": ids[url[source]],
                         "target_article_id": ids[url[site]], "evidence": "text-overlap",
                         "confidence": 0.6, "lag_hours": float(hour)}
                    )  # fmt: skip
        store.replace_clusters(clusters, members, edges, next_id=pieces + 1)
    return site_of


def test_roles_of_a_larger_web_and_its_flows_page(tmp_path):
    from crosspost.demo.web import FLOW_ROLES

    db = tmp_path / "fourteen.db"
    truth = build_role_database(db)
    with Store.open_read_only(db) as store:
        inferred = dict(store.db.execute("SELECT id, inferred_role FROM sites"))
    right = sum(inferred[site] == FLOW_ROLES[role] for site, role in truth.items())
    assert right / len(truth) >= 0.9, inferred
    import asyncio

    from crosspost.serve import make_app

    html = asyncio.run(make_app(db).client.get("/-/crosspost/flows")).text
    assert 'id="crosspost-all-flows"' in html  # many sites: the strongest flows first
    data = json.loads(html.split('id="crosspost-data">')[1].split("</script>")[0])
    strong = [e for e in data["edges"] if e["strong"]]
    assert data["strongest_only"] and 0 < len(strong) < len(data["edges"])
    for node in data["nodes"]:  # every site keeps at least one drawn flow
        assert any(node["id"] in (e["source"], e["target"]) for e in strong), node["id"]
