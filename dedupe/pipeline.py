"""`crosspost cluster`: strip, sign, index, verify, cluster and trace the spread, incrementally.

A run costs in proportion to what is new, not to the database:

* boilerplate is relearned from every article on the first run and whenever the articles grew by
  FULL_RELEARN_GROWTH since the last full learning; in between, it is learned from the new
  articles plus the RECENT_PER_SITE newest pages of their sites, merged into what was learned
  before; the new pages are stripped, and those of the newest pages carrying a newly learned block;
* only articles that are new or whose text changed are signed, indexed and verified;
* the shingles each site repeats (clusters.site_repeats) are kept as per-site counts in the
  store and updated with the new texts, instead of being recounted over every article;
* clusters are recomputed from the stored links (cheap), but the spread is traced again, and
  rows rewritten, only for clusters whose members, links or texts changed;
* a run killed midway leaves its articles pending, and the next run does them again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from resource import RUSAGE_SELF, getrusage
from time import perf_counter

import numpy as np

from . import boilerplate, clusters, index, parallel, roles, signatures, spread
from .store import ARTICLE_COLUMNS, Store

FULL_RELEARN_GROWTH = 0.25  # relearn all boilerplate once the articles grew by this share
RECENT_PER_SITE = 10  # newest pages of a site learned with its new ones (a new footer shows)
STRIP_SLICE = 5_000  # articles read, stripped and written together by a full relearn
INDEX_SLICE = 25_000  # articles signed and indexed together (bounds the memory of a first run)

# What tracing the spread reads of each member: every article column but these three.
SPREAD_FIELDS = ("id",) + tuple(
    c for c in ARTICLE_COLUMNS if c not in ("author", "raw_text", "word_count")
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
    traced: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)  # process peak RSS after each stage

    def summary(self) -> str:
        return (
            f"clustered {self.articles} articles: {self.clusters} clusters holding "
            f"{self.clustered_articles} articles ({self.signed} newly signed, {self.restripped} "
            f"re-stripped, {self.links} verified links) in {sum(self.seconds.values()):.1f}s"
        )


class _Timer:
    def __init__(self, report: ClusterReport, progress: Callable[[str], object] | None = None):
        self.report = report
        self.progress = progress

    def __call__(self, stage: str, detail: str = ""):
        report, progress = self.report, self.progress

        class _Stage:
            def __enter__(self):
                if progress is not None:
                    progress(f"{stage} {detail}".strip())
                self.start = perf_counter()

            def __exit__(self, *exc):
                report.seconds[stage] = report.seconds.get(stage, 0.0) + perf_counter() - self.start
                # Peak resident memory of the process so far (Linux reports KiB).
                report.peak_mb[stage] = getrusage(RUSAGE_SELF).ru_maxrss / 1024

        return _Stage()


def _site_patterns(store: Store, site: str, cache: dict) -> boilerplate.Patterns:
    if site not in cache:
        extra = json.loads(store.get_meta(f"boilerplate:{site}", "[]") or "[]")
        cache[site] = boilerplate.load_patterns(extra)
    return cache[site]


def restrip(store: Store, report: ClusterReport, first: bool = False) -> set[int]:
    """Relearn site and cross-site boilerplate and re-strip; returns ids whose text changed.

    Texts are read as they are needed, never all at once: once to learn, then a slice at a
    time to strip."""
    learned = boilerplate.learn(
        (
            (r["id"], r["site"], r["raw_text"] or "")
            for r in store.iter_articles(("id", "site", "raw_text"))
        ),
        cluster_of=store.cluster_memberships(),
    )
    # Stripping takes each page's learned lines from learn(): the normaliser's cached blocks
    # would only hold on to memory (scattered over what learning freed) for the later stages.
    boilerplate.normalise.cache_clear()
    store.replace_boilerplate(learned.rows())
    ids = store.article_ids()
    slices = (
        store.articles_by_id(ids[start : start + STRIP_SLICE], ("id", "site", "raw_text", "text"))
        for start in range(0, len(ids), STRIP_SLICE)
    )
    return _strip_rows(store, slices, learned, report, first)


def restrip_new(store: Store, new: list[int], report: ClusterReport) -> set[int]:
    """Learn from the new articles and their sites' newest pages, merge with what was learned
    before, and strip the new pages (plus those of the newest pages that carry a block learned
    now); returns ids whose text changed."""
    if not new:
        return set()
    per_site = Counter(r["site"] for r in store.articles_by_id(new, ("site",)))
    sample = set(new)
    for site, count in per_site.items():
        sample.update(store.recent_article_ids(site, RECENT_PER_SITE + count))
    rows = store.articles_by_id(sorted(sample), ("id", "site", "raw_text", "text"))
    memberships = store.cluster_memberships()
    fresh = boilerplate.learn(
        ((r["id"], r["site"], r["raw_text"] or "") for r in rows),
        cluster_of={a: memberships[a] for a in sample if a in memberships},
    )
    learned = boilerplate.Learned.from_rows(store.boilerplate())
    # New pages are stripped with everything learned; older ones only if they carry a block
    # learned just now (they were stripped with what was known before).
    redo, added = set(new), False
    for site, by_key in fresh.site.items():
        known = learned.site.setdefault(site, {})
        for key, row in by_key.items():
            if key not in known:
                known[key], added = row, True
                redo.update(fresh.found_on.get(key, ()))
    for key, row in fresh.cross.items():
        if key not in learned.cross:
            learned.cross[key], added = row, True
            redo.update(fresh.found_on.get(key, ()))
    if added:
        store.replace_boilerplate(learned.rows())
    return _strip_rows(store, [[r for r in rows if r["id"] in redo]], learned, report)


def _strip_rows(
    store: Store,
    slices: Iterable[list[dict]],
    learned,
    report: ClusterReport,
    first: bool = False,
) -> set[int]:
    """Strip each slice of rows and store the texts that changed (in one transaction; `first`:
    the first learning, which changes most texts); returns their ids."""
    cache: dict = {}
    changed_ids: set[int] = set()

    def changed() -> Iterator[tuple[int, str, list]]:
        for rows in slices:
            for row in rows:
                raw_text = row["raw_text"] or ""
                result = boilerplate.strip(
                    raw_text,
                    _site_patterns(store, row["site"], cache),
                    learned,
                    row["site"],
                    learned.lines_of(row["id"], row["site"], raw_text),
                )
                if result.text != row["text"]:
                    changed_ids.add(row["id"])
                    yield row["id"], result.text, result.removed

    store.set_texts(changed(), most=first)
    report.restripped = len(changed_ids)
    return changed_ids


def _texts(store: Store, ids: list[int]) -> dict[int, dict]:
    return {r["id"]: r for r in store.articles_by_id(ids, ("id", "site", "text"))}


class _ShingleSets(Mapping):
    """article id -> its sorted unique shingle hashes, each slice of a run held as one flat
    array (views are handed out): 100,000 small arrays, once freed, leave their memory to the
    process, while a flat array goes back to the system when clear() drops it."""

    def __init__(self) -> None:
        self.flat: list[tuple[np.ndarray, np.ndarray]] = []  # (values, offsets) per slice
        self.where: dict[int, tuple[int, int]] = {}  # id -> (slice, row)
        self.extra: dict[int, np.ndarray] = {}

    def add_slice(self, ids: list[int], sets: list[np.ndarray]) -> None:
        lengths = np.array([len(x) for x in sets], dtype=np.int64)
        values = np.concatenate(sets) if sets else np.empty(0, dtype=np.uint32)
        self.flat.append((values, np.concatenate(([0], np.cumsum(lengths)))))
        number = len(self.flat) - 1
        self.where.update((i, (number, row)) for row, i in enumerate(ids))

    def __setitem__(self, article_id: int, shingles: np.ndarray) -> None:
        self.extra[article_id] = shingles

    def __getitem__(self, article_id: int) -> np.ndarray:
        if article_id in self.extra:
            return self.extra[article_id]
        number, row = self.where[article_id]
        values, offsets = self.flat[number]
        return values[offsets[row] : offsets[row + 1]]

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.where or article_id in self.extra

    def __iter__(self) -> Iterator[int]:
        yield from self.where
        yield from (i for i in self.extra if i not in self.where)

    def __len__(self) -> int:
        return len(self.where.keys() | self.extra.keys())

    def clear(self) -> None:
        self.flat, self.where, self.extra = [], {}, {}


class _SiteCounts:
    """Per-site counts of shingles over a site's distinct texts, persisted in the store, from
    which clusters.site_repeats' answer is read without recounting every article."""

    def __init__(self, store: Store, params: signatures.SignatureParams):
        self.store, self.params = store, params
        self.data: dict[str, tuple[np.ndarray, np.ndarray, set[bytes]]] = {}
        self.dirty: set[str] = set()
        self.settled: dict[str, np.ndarray | None] = {}  # stored; only their repeats kept

    def load(self, sites: set[str]) -> set[str]:
        """Load stored counts; returns the sites that have none."""
        wanted = sites - self.data.keys()
        for site, (values, counts, digests) in self.store.site_shingles(
            wanted, self.params.key
        ).items():
            self.data[site] = (  # compact: 5 bytes a distinct shingle
                np.frombuffer(values, dtype="<u4"),
                np.frombuffer(counts, dtype=np.uint8),
                {digests[i : i + 8] for i in range(0, len(digests), 8)},
            )
        return wanted - self.data.keys()

    def build(self, site: str, sets: list[np.ndarray]) -> None:
        self.data[site] = (np.empty(0, "<u4"), np.empty(0, np.uint8), set())
        self.add(site, sets)

    def add(self, site: str, sets: list[np.ndarray]) -> None:
        values, counts, digests = self.data[site]
        fresh = []
        for shingles in sets:
            digest = hashlib.blake2b(np.asarray(shingles, "<u4").tobytes(), digest_size=8)
            if len(shingles) and digest.digest() not in digests:
                digests.add(digest.digest())
                fresh.append(np.asarray(shingles, dtype=np.int64))
        if not fresh:
            return
        new_values, new_counts = np.unique(np.concatenate(fresh), return_counts=True)
        # Merge into the sorted counts by position (not by sorting them all again): a site's
        # counts hold every shingle of its texts, the new texts are a few.
        at = np.searchsorted(values, new_values)
        known = values[np.minimum(at, len(values) - 1)] == new_values if len(values) else at < 0
        counts = counts.copy()
        counts[at[known]] = np.minimum(counts[at[known]] + new_counts[known], 255)
        self.data[site] = (
            np.insert(values, at[~known], new_values[~known].astype("<u4")),
            np.insert(counts, at[~known], np.minimum(new_counts[~known], 255).astype(np.uint8)),
            digests,
        )
        self.dirty.add(site)

    def settle(self, site: str) -> None:
        """Store a site's counts now and keep only its repeats: a first run counts every site,
        and all their counts at once were the peak of its memory."""
        self.dirty.add(site)
        self.save()
        self.settled[site] = self.repeats(site)
        del self.data[site]

    def repeats(self, site: str) -> np.ndarray | None:
        if site in self.settled:
            return self.settled[site]
        if site not in self.data:
            return None
        values, counts, _ = self.data[site]
        found = values[counts >= clusters.SITE_REPEAT_MIN_ARTICLES]
        return found if len(found) else None

    def save(self) -> None:
        self.store.save_site_shingles(
            (
                site,
                self.params.key,
                self.data[site][0].tobytes(),
                self.data[site][1].tobytes(),
                b"".join(sorted(self.data[site][2])),
            )
            for site in sorted(self.dirty)
        )
        self.dirty.clear()


def cluster_store(
    store: Store,
    params: signatures.SignatureParams | None = None,
    progress: Callable[[str], object] | None = None,
    full: bool = False,
) -> ClusterReport:
    """Run every clustering stage on the database; returns a ClusterReport.

    `progress` is called with each stage's name as it starts (the command line shows it).

    `full` relearns boilerplate from every article (otherwise done on the first run and after
    the articles grew by FULL_RELEARN_GROWTH).
    """
    params = params or signatures.SignatureParams()
    report = ClusterReport()
    timed = _Timer(report, progress)
    lsh = index.LSHIndex(store, params)
    if store.get_meta("index_key") != lsh.key:  # parameters changed: rebuild everything
        store.clear_signatures()
        store.clear_site_shingles()
        store.set_meta("index_key", lsh.key)
    ids = store.article_ids()
    report.articles = len(ids)
    new = sorted(set(ids) - store.signed_ids(params.key))
    # Articles a run left pending (killed midway): signed perhaps, but not all verified.
    resumed = store.pending_ids() & set(ids)
    learned_at = int(store.get_meta("boilerplate_learned_at", "0") or 0)
    full = full or not learned_at or len(ids) >= learned_at * (1 + FULL_RELEARN_GROWTH)

    with timed("strip"):
        changed = (
            restrip(store, report, first=not learned_at)
            if full
            else restrip_new(store, new, report)
        )
        if full:
            store.set_meta("boilerplate_learned_at", str(max(1, len(ids))))

    # Sign and index in slices, so that neither the texts nor the signatures of a large first
    # run sit in memory at once; each slice meets the earlier ones through the store. Only
    # the shingle sets (what verification needs) are kept.
    todo = sorted(set(new) | (changed & set(ids)) | resumed)
    store.add_pending(todo)  # until this run is done with them (a killed run redoes them)
    shingle_sets = _ShingleSets()
    sites: dict[int, str] = {}
    pairs: set[tuple[int, int]] = set()
    if todo:
        store.remove_from_index(todo)
    slices = range(0, len(todo), INDEX_SLICE)
    for number, start in enumerate(slices, start=1):
        part = todo[start : start + INDEX_SLICE]
        of = f"{number}/{len(slices)}" if len(slices) > 1 else ""
        with timed("sign", of):
            rows = _texts(store, part)
            profiles = signatures.profile([rows[i]["text"] or "" for i in part], params)
            store.save_signatures(
                (i, params.key, signatures.to_bytes(sig), signatures.to_bytes(prefix))
                for i, sig, prefix in zip(
                    part, profiles.signatures, profiles.prefix_signatures, strict=True
                )
            )
            shingle_sets.add_slice(part, profiles.shingle_sets)
            sites.update((i, row["site"]) for i, row in rows.items())
            del rows
        with timed("candidates", of):
            sigs, prefix, windows = (
                profiles.signatures,
                profiles.prefix_signatures,
                profiles.windows,
            )
            pairs |= lsh.candidates(part, sigs, prefix, windows)
            lsh.insert(part, sigs, prefix, windows)
            del profiles, sigs, prefix, windows
    report.signed = len(todo)
    report.candidates = len(pairs)

    with timed("verify"):
        # Shingles a site repeats across its own pieces (a leftover disclaimer) must not make
        # two of its short pieces look like copies: verify() leaves them out.
        involved = {i for pair in pairs for i in pair}
        for i, row in _texts(store, sorted(involved - shingle_sets.keys())).items():
            shingle_sets[i] = signatures.shingle_set(row["text"] or "", params)
            sites[i] = row["site"]
        counts = _SiteCounts(store, params)
        missing = counts.load({sites[i] for i in involved | set(todo)})
        # Sites whose texts changed (not just grew), or never counted, are counted afresh.
        new_set = set(new)
        rebuild = missing | {sites[i] for i in (changed | resumed) - new_set if i in sites}
        for site in sorted(rebuild):
            members = store.site_article_ids(site)
            unknown = [i for i in members if i not in shingle_sets]
            for i, row in _texts(store, unknown).items():
                shingle_sets[i] = signatures.shingle_set(row["text"] or "", params)
            counts.build(site, [shingle_sets[i] for i in members])
            counts.settle(site)
        by_site: dict[str, list[np.ndarray]] = defaultdict(list)
        for i in new:
            if sites[i] not in rebuild:
                by_site[sites[i]].append(shingle_sets[i])
        for site, sets in by_site.items():
            counts.add(site, sets)
        counts.save()
        # One array per site, shared by its articles (verify works per distinct array).
        by_site_repeats = {site: counts.repeats(site) for site in {sites[i] for i in involved}}
        del counts  # every site's shingle counts (hundreds of MB at 100,000): not needed now
        repeats = {i: by_site_repeats[sites[i]] for i in involved}
        repeats = {i: r for i, r in repeats.items() if r is not None}
        new_links = clusters.verify(pairs, shingle_sets, repeats, release=True)
        store.replace_links(todo, new_links)
        links = list(map(clusters.Link._make, store.links()))
        report.links = len(links)

    with timed("cluster"):
        previous = store.cluster_memberships()
        result = clusters.cluster(ids, links, previous, store.next_cluster_id())

    with timed("spread"):
        touched = set(todo) | {i for link in new_links for i in (link.a, link.b)}
        # Sites' roles weigh in every cluster's origin: when sites.toml changed them, every
        # cluster is traced again, not only those this run changed.
        roles_now = json.dumps(sorted((s["id"], s["role"]) for s in store.sites()))
        if store.get_meta("traced_roles") == roles_now:
            _write_clusters(store, result, links, report, previous, touched)
        else:
            _write_clusters(store, result, links, report)
            store.set_meta("traced_roles", roles_now)
    store.clear_pending()
    return report


def retrace(store: Store) -> ClusterReport:
    """Trace the spread of every cluster again from the stored links (what `cluster` does for
    the clusters a run changed), e.g. after the sites' roles changed."""
    report = ClusterReport()
    links = list(map(clusters.Link._make, store.links()))
    previous = store.cluster_memberships()
    result = clusters.cluster(store.article_ids(), links, previous, store.next_cluster_id())
    _write_clusters(store, result, links, report)
    return report


PARALLEL_TRACE_MIN = 400  # clusters worth a second process for tracing the spread


def _traced(trace: Callable, work: list) -> list:
    """trace(item) of each cluster (each on its own: on both cores when there are many)."""
    return parallel.map_on_two_cores(trace, work, PARALLEL_TRACE_MIN)


def _write_clusters(
    store: Store,
    result,
    links,
    report: ClusterReport,
    previous: dict[int, int] | None = None,
    touched: set[int] | None = None,
) -> None:
    """Trace the spread of clusters that changed and rewrite only their rows; the stored rows
    of the others stay as they are (a scheduled run costs what changed, not the database).

    Without `previous`/`touched` every cluster is traced again and every row rewritten.
    """
    members_of: dict[int, list[int]] = defaultdict(list)
    for article_id, cluster_id in result.assignments.items():
        members_of[cluster_id].append(article_id)
    report.clusters = len(members_of)
    report.clustered_articles = len(result.assignments)
    rewrite: set[int] | None = None  # cluster ids whose stored rows are replaced; None: all
    if previous is not None and touched is not None:
        before: dict[int, set[int]] = defaultdict(set)
        for article_id, cluster_id in previous.items():
            before[cluster_id].add(article_id)
        same = {
            cluster_id
            for cluster_id, ids in members_of.items()
            if before.get(cluster_id) == set(ids) and not touched.intersection(ids)
        }
        members_of = {c: ids for c, ids in members_of.items() if c not in same}
        rewrite = set(members_of) | (before.keys() - same)  # changed, new and vanished
    traced_ids = [i for ids in members_of.values() for i in ids]
    articles = {a["id"]: a for a in store.articles_by_id(traced_ids, SPREAD_FIELDS)}
    removed = store.stripped_by_article(traced_ids)
    site_info = {s["id"]: (s["name"], s["role"]) for s in store.sites()}
    # Sites that present themselves as where pieces start: declared so, or credited so by
    # other sites' pages (for origins that dates leave open).
    originators = {s for s, (_, role) in site_info.items() if role == roles.ORIGIN}
    if traced_ids:
        originators |= roles.credited_origins(
            store.credits(), {s: name for s, (name, _) in site_info.items()}
        )
    links_of: dict[int, list] = defaultdict(list)
    for link in links:
        if link.kind == clusters.PART:
            continue  # a shared part says nothing of who copied whom
        cluster_id = result.assignments.get(link.a)
        if cluster_id is not None and result.assignments.get(link.b) == cluster_id:
            links_of[cluster_id].append(link)
    cluster_rows, member_rows, edge_rows = [], [], []

    def members_of_cluster(ids: list[int]) -> list[dict]:
        return [
            {
                **articles[i],
                "kind": result.kinds.get(i, "copy"),
                "removed": removed.get(i, []),
                "site_name": site_info.get(articles[i]["site"], (None, None))[0],
                "role": site_info.get(articles[i]["site"], (None, None))[1],
                "originator": articles[i]["site"] in originators,
            }
            for i in ids
        ]

    # Members are made where they are traced (a forked process makes its own), one cluster at
    # a time: all of them at once would hold every member's dict.
    work = sorted(members_of.items())
    traced_all = _traced(
        lambda item: spread.trace(members_of_cluster(item[1]), links_of[item[0]]), work
    )
    for (cluster_id, ids), traced in zip(work, traced_all, strict=True):
        members = members_of_cluster(ids)
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
    store.replace_clusters(cluster_rows, member_rows, edge_rows, result.next_id, only=rewrite)
    report.traced = len(members_of)
