"""`crosspost cluster`: strip, sign, index, verify, cluster and trace the spread, incrementally.

Each run relearns the boilerplate and re-strips every article whose text changes because of it;
only articles that are new or whose text changed are signed and indexed again. Verified links are
recomputed for those articles only; clustering and spread then run over all links (cheap next to
signing), so cluster ids stay stable through `previous` memberships.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from time import perf_counter

from . import boilerplate, clusters, index, signatures, spread
from .store import Store

SPREAD_FIELDS = (
    "id",
    "url",
    "site",
    "title",
    "published",
    "published_source",
    "fetched_at",
    "canonical_url",
    "attribution_url",
    "attribution_name",
    "text",
)


@dataclass
class ClusterReport:
    articles: int = 0
    restripped: int = 0
    signed: int = 0
    candidates: int = 0
    links: int = 0
    clusters: int = 0
    clustered_articles: int = 0
    largest: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"clustered {self.articles} articles: {self.clusters} clusters holding "
            f"{self.clustered_articles} articles ({self.signed} newly signed, {self.restripped} "
            f"re-stripped, {self.links} verified links) in {sum(self.seconds.values()):.1f}s"
        )


class _Timer:
    def __init__(self, report: ClusterReport):
        self.report = report

    def __call__(self, stage: str):
        report = self.report

        class _Stage:
            def __enter__(self):
                self.start = perf_counter()

            def __exit__(self, *exc):
                report.seconds[stage] = report.seconds.get(stage, 0.0) + perf_counter() - self.start

        return _Stage()


def _site_patterns(store: Store, site: str, cache: dict) -> boilerplate.Patterns:
    if site not in cache:
        extra = json.loads(store.get_meta(f"boilerplate:{site}", "[]") or "[]")
        cache[site] = boilerplate.load_patterns(extra)
    return cache[site]


def restrip(store: Store, report: ClusterReport) -> set[int]:
    """Relearn site and cross-site boilerplate and re-strip; returns ids whose text changed."""
    rows = list(store.iter_articles(("id", "site", "raw_text", "text")))
    report.articles = len(rows)
    learned = boilerplate.learn(
        ((r["id"], r["site"], r["raw_text"] or "") for r in rows),
        cluster_of=store.cluster_memberships(),
    )
    store.replace_boilerplate(learned.rows())
    cache: dict = {}
    changed = []
    for row in rows:
        result = boilerplate.strip(
            row["raw_text"] or "", _site_patterns(store, row["site"], cache), learned, row["site"]
        )
        if result.text != row["text"]:
            changed.append((row["id"], result.text, result.removed))
    store.set_texts(changed)
    report.restripped = len(changed)
    return {article_id for article_id, _, _ in changed}


def cluster_store(store: Store, params: signatures.SignatureParams | None = None, progress=False):
    """Run every clustering stage on the database; returns a ClusterReport."""
    params = params or signatures.SignatureParams()
    report = ClusterReport()
    timed = _Timer(report)
    with timed("strip"):
        changed = restrip(store, report)

    with timed("sign"):
        lsh = index.LSHIndex(store, params)
        if store.get_meta("index_key") != lsh.key:  # parameters changed: rebuild everything
            store.clear_signatures()
            store.set_meta("index_key", lsh.key)
        rows = list(store.iter_articles(("id", "site", "text")))
        texts = {r["id"]: r["text"] or "" for r in rows}
        sites = {r["id"]: r["site"] for r in rows}
        todo = sorted((set(texts) - store.signed_ids(params.key)) | (changed & set(texts)))
        profiles = signatures.profile([texts[i] for i in todo], params)
        if todo:
            store.remove_from_index(todo)
            store.save_signatures(
                (i, params.key, signatures.to_bytes(sig), signatures.to_bytes(prefix))
                for i, sig, prefix in zip(
                    todo, profiles.signatures, profiles.prefix_signatures, strict=True
                )
            )
        report.signed = len(todo)

    with timed("candidates"):
        pairs = set()
        if todo:
            pairs = lsh.candidates(todo, profiles.signatures, profiles.prefix_signatures)
            lsh.insert(todo, profiles.signatures, profiles.prefix_signatures)
        report.candidates = len(pairs)

    with timed("verify"):
        # Shingles a site repeats across its own pieces (a leftover disclaimer) must not make
        # two of its short pieces look like copies: verify() leaves them out.
        shingle_sets = dict(zip(todo, profiles.shingle_sets, strict=True))
        for i in texts.keys() - shingle_sets.keys():
            shingle_sets[i] = signatures.shingle_set(texts[i], params)
        repeats = clusters.site_repeats(shingle_sets, sites)
        new_links = clusters.verify(pairs, shingle_sets, repeats)
        store.replace_links(todo, new_links)
        links = [clusters.Link(*row) for row in store.links()]
        report.links = len(links)

    with timed("cluster"):
        result = clusters.cluster(
            sorted(texts), links, store.cluster_memberships(), store.next_cluster_id()
        )

    with timed("spread"):
        _write_clusters(store, result, links, report)
    return report


def _write_clusters(store: Store, result, links, report: ClusterReport) -> None:
    members_of: dict[int, list[int]] = defaultdict(list)
    for article_id, cluster_id in result.assignments.items():
        members_of[cluster_id].append(article_id)
    articles = {a["id"]: a for a in store.articles_by_id(list(result.assignments), SPREAD_FIELDS)}
    removed = store.stripped_by_article(list(result.assignments))
    site_info = {s["id"]: (s["name"], s["role"]) for s in store.sites()}
    links_of: dict[int, list] = defaultdict(list)
    for link in links:
        cluster_id = result.assignments.get(link.a)
        if cluster_id is not None and result.assignments.get(link.b) == cluster_id:
            links_of[cluster_id].append(link)
    cluster_rows, member_rows, edge_rows = [], [], []
    for cluster_id, ids in sorted(members_of.items()):
        members = [
            {
                **articles[i],
                "kind": result.kinds.get(i, "copy"),
                "removed": removed.get(i, []),
                "site_name": site_info.get(articles[i]["site"], (None, None))[0],
                "role": site_info.get(articles[i]["site"], (None, None))[1],
            }
            for i in ids
        ]
        traced = spread.trace(members, links_of[cluster_id])
        # A copy that claims to predate its source is not believed for the cluster's dates.
        believed = [
            m for m in members if "claims-earlier-than-source" not in traced.flags.get(m["id"], ())
        ]
        dates = sorted(m["published"] for m in believed if m["published"])
        origin = articles[traced.origin_id]
        cluster_rows.append(
            {
                "id": cluster_id,
                "origin_article_id": traced.origin_id,
                "size": len(ids),
                "sites": len({m["site"] for m in members}),
                "first_published": dates[0] if dates else None,
                "last_published": dates[-1] if dates else None,
                "title": origin["title"],
            }
        )
        for m in members:
            member_rows.append(
                {
                    "cluster_id": cluster_id,
                    "article_id": m["id"],
                    "kind": "origin" if m["id"] == traced.origin_id else m["kind"],
                    "similarity": result.similarity.get(m["id"]),
                    "containment": result.containment.get(m["id"]),
                    "flags": traced.flags.get(m["id"]) or None,
                }
            )
        edge_rows += [{"cluster_id": cluster_id, **edge} for edge in traced.edges]
    store.replace_clusters(cluster_rows, member_rows, edge_rows, result.next_id)
    report.clusters = len(cluster_rows)
    report.clustered_articles = len(member_rows)
    report.largest = sorted(cluster_rows, key=lambda c: (-c["size"], c["id"]))[:5]
