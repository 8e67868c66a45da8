"""Where did this go? The cluster of a stored page, or of any text, as clustering would find it.

A stored page's cluster is read from the database. Any other text is signed, looked up in the
LSH index and verified exactly as `crosspost cluster` does it (dedupe.signatures.profile,
LSHIndex.query, clusters.verify with the candidates' site repeats), without writing anything:
the clusters of the articles it is a copy, an excerpt or a part of are the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import clusters, index, signatures
from .errors import CrosspostError
from .pipeline import _SiteCounts
from .store import Store
from .urls import clean_url

QUERY_ID = 0  # the given text's id among the candidates (article ids start at 1)

MEMBERS_SQL = """
SELECT a.id AS article_id, a.url, a.site, COALESCE(s.name, a.site) AS site_name, {role} AS role,
       a.title, a.published, a.fetched_at, m.kind, m.similarity, m.containment,
       e.source_article_id, src.url AS source_url, src.site AS source_site, e.evidence,
       e.confidence, e.lag_hours, {warc}
FROM cluster_members m
JOIN articles a ON a.id = m.article_id
LEFT JOIN sites s ON s.id = a.site
LEFT JOIN spread_edges e ON e.cluster_id = m.cluster_id AND e.target_article_id = m.article_id
LEFT JOIN articles src ON src.id = e.source_article_id
WHERE m.cluster_id = ?
ORDER BY m.kind != 'origin', a.published IS NULL, a.published, a.id
"""


@dataclass
class Found:
    """The answer: `clusters` (best first, as cluster_report gives them), the verified links
    of a given text to stored articles (`matches`), and matched articles in no cluster."""

    query: dict[str, Any]
    clusters: list[dict[str, Any]] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)
    unclustered: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "clusters": self.clusters,
            "matches": self.matches,
            "unclustered": self.unclustered,
        }


def spread_path(cluster_id: int) -> str:
    """The cluster's spread page in `crosspost serve`."""
    return f"/-/crosspost/cluster/{cluster_id}"


def stored_article(store: Store, url: str) -> int | None:
    """The id of the article stored at `url` (as given, cleaned, or as its canonical URL)."""
    for candidate in dict.fromkeys((url, clean_url(url))):
        row = store.db.execute(
            "SELECT id FROM articles WHERE url = ? OR canonical_url = ? ORDER BY url != ? LIMIT 1",
            [candidate, candidate, candidate],
        ).fetchone()
        if row:
            return row[0]
    return None


def _columns(store: Store, table: str) -> set[str]:
    return {row[1] for row in store.db.execute(f"PRAGMA table_info({table})")}


def cluster_report(store: Store, cluster_id: int) -> dict[str, Any]:
    """One cluster: its row, its origin and every member with its source, evidence and lag."""
    row = store.cluster_row(cluster_id)
    if row is None:
        raise CrosspostError(f"cluster {cluster_id} does not exist")
    articles = _columns(store, "articles")
    sites = _columns(store, "sites")
    sql = MEMBERS_SQL.format(
        role="COALESCE(NULLIF(s.role, 'other'), s.inferred_role, s.role)"
        if "inferred_role" in sites
        else "s.role",
        warc="a.warc_file, a.warc_record_id"
        if "warc_file" in articles
        else "NULL AS warc_file, NULL AS warc_record_id",
    )
    members = list(store.db.query(sql, [cluster_id]))
    origin = next((m for m in members if m["article_id"] == row["origin_article_id"]), None)
    return {
        "id": cluster_id,
        "title": row["title"],
        "size": row["size"],
        "sites": row["sites"],
        "first_published": row["first_published"],
        "last_published": row["last_published"],
        "spread_path": spread_path(cluster_id),
        "origin": origin,
        "members": members,
    }


def _cluster_of(store: Store, article_ids: list[int]) -> dict[int, int]:
    if not article_ids:
        return {}
    marks = ", ".join("?" * len(article_ids))
    return dict(
        store.db.execute(
            f"SELECT article_id, cluster_id FROM cluster_members WHERE article_id IN ({marks})",
            article_ids,
        )
    )


def find_text(
    store: Store, text: str, params: signatures.SignatureParams | None = None
) -> list[clusters.Link]:
    """Verified links of `text` (id QUERY_ID) to stored articles, strongest first."""
    params = params or signatures.SignatureParams()
    lsh = index.LSHIndex(store, params)
    indexed = store.get_meta("index_key")
    if indexed is None:
        raise CrosspostError("the database has no index yet: run `crosspost cluster` first")
    if indexed != lsh.key:
        raise CrosspostError(
            "the database was indexed by another version: run `crosspost cluster` first"
        )
    profile = signatures.profile([text], params)
    if signatures.is_empty(profile.signatures[0]):
        return []
    candidates = sorted(
        lsh.query(profile.signatures[0], profile.prefix_signatures[0], profile.windows)
    )
    if not candidates:
        return []
    rows = store.articles_by_id(candidates, ("id", "site", "text"))
    shingle_sets = {r["id"]: signatures.shingle_set(r["text"] or "", params) for r in rows}
    shingle_sets[QUERY_ID] = profile.shingle_sets[0]
    sites = {r["id"]: r["site"] for r in rows}
    counts = _SiteCounts(store, params)
    counts.load(set(sites.values()))  # read only: counts are saved by cluster runs
    common = {i: counts.repeats(site) for i, site in sites.items()}
    common = {i: repeats for i, repeats in common.items() if repeats is not None}
    links = clusters.verify([(QUERY_ID, i) for i in shingle_sets if i], shingle_sets, common)
    return sorted(links, key=lambda link: (-link.containment, -link.resemblance, link.b))


def find(store: Store, url: str | None = None, text: str | None = None) -> Found:
    """The clusters of the article stored at `url`, or else of `text`."""
    if url is not None:
        article_id = stored_article(store, url)
        if article_id is not None:
            found = Found({"url": url, "article_id": article_id})
            cluster_id = _cluster_of(store, [article_id]).get(article_id)
            if cluster_id is None:
                found.unclustered.append(_article(store, article_id))
            else:
                found.clusters.append(cluster_report(store, cluster_id))
            return found
    if not text or not text.strip():
        raise CrosspostError("no text to look up: the page holds no article text")
    found = Found({"url": url, "article_id": None, "words": len(text.split())})
    links = find_text(store, text)
    cluster_of = _cluster_of(store, [link.b for link in links])
    order: list[int] = []
    for link in links:
        kind = link.kind
        if link.shorter == QUERY_ID and kind == clusters.EXCERPT:
            kind = "excerpt-of-it"  # the given text is an excerpt of the stored article
        elif kind == clusters.EXCERPT:
            kind = "excerpt-in-it"  # the stored article is an excerpt of the given text
        found.matches.append(
            {
                "article_id": link.b,
                "cluster_id": cluster_of.get(link.b),
                "kind": kind,
                "resemblance": round(link.resemblance, 3),
                "containment": round(link.containment, 3),
            }
        )
        if link.b in cluster_of:
            if cluster_of[link.b] not in order:
                order.append(cluster_of[link.b])
        else:
            found.unclustered.append(_article(store, link.b))
    found.clusters = [cluster_report(store, cluster_id) for cluster_id in order]
    return found


def _article(store: Store, article_id: int) -> dict[str, Any]:
    return store.articles_by_id(
        [article_id], ("id", "url", "site", "title", "published", "fetched_at")
    )[0]
