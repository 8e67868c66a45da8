"""Near-duplicate clustering: the project's path against datasketch's README recipe, and scale.

    .venv/bin/python bench/dedupe.py                       # generated corpus, 5,000 articles
    .venv/bin/python bench/dedupe.py --articles 20000
    .venv/bin/python bench/dedupe.py --isot ../shared/corpora   # real texts, derived copies
    .venv/bin/python bench/dedupe.py --corpus FILE.jsonl   # any corpus with a "piece" field
    .venv/bin/python bench/dedupe.py --scale 100000 --add 1000 --db /tmp/scale.db
    .venv/bin/python bench/dedupe.py --whole --articles 10000   # whole processes, with rensa

Compare mode runs both paths in one process on the same texts (text in, clusters out), in turn
`--repeat` times each (default 3), and prints the fastest run's times, the ratio, peak memory
(growth of the process's peak RSS) and pairwise precision/recall against the corpus's pieces. Scale mode imports a generated corpus into a SQLite database with the real
import, runs cluster_store from scratch in a fresh process, then imports `--add` more articles
and clusters again (the incremental path), printing time and peak RSS of each run.

Whole mode (`--whole`) times what a user waits for, process by process, on one corpus written as
JSON lines: `crosspost import` then `crosspost cluster` (each its own process, as typed at a
shell), beside datasketch's README recipe and rensa (Rust MinHash and LSH; `pip install
'.[bench]'`), each a process that reads the same file, shingles its raw texts (5 words, 128
permutations, LSH at the copy threshold) and writes its clusters. It prints each process's wall
and CPU time and peak RSS (os.wait4's rusage of that child), the ratios, and the pairwise
precision and recall of each against the corpus's pieces. On a shared machine compare the ratios
of one run (and CPU rather than wall time), not absolute times across runs.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib.util
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosspost.demo.score import score_pairs  # noqa: E402
from dedupe import boilerplate, clusters, index, signatures  # noqa: E402

# -- corpus ----------------------------------------------------------------------------------

_SYLLABLES = [
    c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou", "ee")
]


def _vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    """Invented words of 1-4 syllables."""
    lengths = rng.choice([1, 2, 2, 3, 3, 4], size=size)
    syl = rng.integers(0, len(_SYLLABLES), size=(size, 4))
    words = {"".join(_SYLLABLES[s] for s in row[:n]) for row, n in zip(syl, lengths, strict=True)}
    return np.array(sorted(words))


class Writer:
    """Invented news-like texts: Zipf-distributed words, sentences, paragraphs."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.vocab = _vocabulary(self.rng, 40_000)
        ranks = np.arange(1, len(self.vocab) + 1)
        p = 1.0 / ranks**1.05
        self.cdf = np.cumsum(p / p.sum())

    def words(self, n: int) -> list[str]:
        return list(self.vocab[np.searchsorted(self.cdf, self.rng.random(n), side="right")])

    def sentence(self) -> str:
        words = self.words(int(self.rng.integers(8, 22)))
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(int(self.rng.integers(2, 5))))

    def piece(self) -> list[str]:
        return [self.paragraph() for _ in range(int(self.rng.integers(6, 14)))]

    def edit(self, paragraphs: list[str], rate: float) -> list[str]:
        """Replace about `rate` of the words, as a copy editor or spinner would."""
        out = []
        for para in paragraphs:
            words = para.split(" ")
            hits = np.flatnonzero(self.rng.random(len(words)) < rate)
            for i, word in zip(hits, self.words(len(hits)), strict=True):
                words[i] = word
            out.append(" ".join(words))
        return out


def generate(articles: int, seed: int = 5, start_piece: int = 0, sites: int | None = None):
    """JSON-lines records (url, site, title, published, text, piece) with copies and excerpts.

    About 45% of pieces have copies (1-8, edited 0-4% of words, with the copier's disclaimer),
    a third of those also excerpts (the first 30-50% with a "continue reading" line) and a third
    excerpts of the middle (2-4 consecutive paragraphs, neither the first nor the last). Every
    site adds a footer to its pages, which boilerplate learning must strip; some pieces quote a
    paragraph of an earlier piece (hard negatives: shared text, different pieces). `kind` says
    which of origin, copy, excerpt and middle a record is.
    """
    w = Writer(seed + start_piece)
    rng = w.rng
    n_sites = sites or max(50, articles // 100)
    hosts = [f"site{i:04d}.example" for i in range(n_sites)]
    footers = {
        h: [f"{w.sentence()} {w.sentence()}", f"Subscribe to {h} {w.sentence()}"] for h in hosts
    }
    records: list[dict] = []
    piece_no = start_piece
    quotes: list[str] = []
    while len(records) < articles:
        piece_no += 1
        body = w.piece()
        if quotes and rng.random() < 0.1:  # hard negative: quotes an earlier piece's paragraph
            body.insert(int(rng.integers(1, len(body))), quotes[int(rng.integers(len(quotes)))])
        quotes.append(body[-1])
        quotes = quotes[-200:]
        origin = hosts[int(rng.integers(n_sites))]
        title = w.sentence()[:-1]
        day = 1 + piece_no % 28

        def add(host, paragraphs, kind, n, piece_no=piece_no, title=title, day=day) -> None:
            records.append(
                {
                    "url": f"https://{host}/{piece_no}/{kind}{n}",
                    "site": host,
                    "title": title,
                    "published": f"2026-10-{day:02d}T{n % 24:02d}:00:00+00:00",
                    "text": "\n".join([*paragraphs, *footers[host]]),
                    "piece": f"p{piece_no}",
                    "kind": kind,
                }
            )

        add(origin, body, "origin", 0)
        if rng.random() < 0.45:
            for n in range(1, int(rng.integers(2, 10))):
                host = hosts[int(rng.integers(n_sites))]
                edited = w.edit(body, float(rng.uniform(0.0, 0.04)))
                add(host, [*edited, f"This piece first appeared on {origin}."], "copy", n)
            if rng.random() < 0.33:
                for n in range(1, int(rng.integers(2, 4))):
                    host = hosts[int(rng.integers(n_sites))]
                    cut = max(2, int(len(body) * rng.uniform(0.3, 0.5)))
                    add(host, [*body[:cut], f"Continue reading at {origin}"], "excerpt", n)
            if rng.random() < 0.33:
                for n in range(1, int(rng.integers(2, 4))):
                    host = hosts[int(rng.integers(n_sites))]
                    size = int(rng.integers(2, 5))
                    first = int(rng.integers(1, max(2, len(body) - size)))
                    middle = body[first : first + size]
                    add(host, [*middle, f"Continue reading at {origin}"], "middle", n)
    return records[:articles]


def from_isot(folder: Path, seed: int = 5) -> list[dict]:
    """Pieces from the ISOT CSVs (one row, one piece), with copies and excerpts (of the start and
    of the middle) derived as in generate(); sentences are grouped three to a line."""
    w = Writer(seed)
    rng = w.rng
    records: list[dict] = []
    hosts = [f"site{i:03d}.example" for i in range(40)]
    for path in sorted(folder.glob("isot-*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row_no, row in enumerate(csv.DictReader(handle)):
                sentences = re.split(r"(?<=[.!?])\s+", row["text"].strip())
                body = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
                if len(" ".join(body).split()) < 80:
                    continue
                piece = f"{path.stem}-{row_no}"

                def add(host, paragraphs, kind, n, piece=piece, title=row["title"]) -> None:
                    records.append(
                        {
                            "url": f"https://{host}/{piece}/{kind}{n}",
                            "site": host,
                            "title": title,
                            "text": "\n".join(paragraphs),
                            "piece": piece,
                            "kind": kind,
                        }
                    )

                origin = hosts[int(rng.integers(len(hosts)))]
                add(origin, body, "origin", 0)
                if rng.random() < 0.45:
                    for n in range(1, int(rng.integers(2, 6))):
                        edited = w.edit(body, float(rng.uniform(0.0, 0.04)))
                        add(hosts[int(rng.integers(len(hosts)))], edited, "copy", n)
                    if rng.random() < 0.33 and len(body) >= 4:
                        cut = max(2, int(len(body) * rng.uniform(0.3, 0.5)))
                        add(hosts[int(rng.integers(len(hosts)))], body[:cut], "excerpt", 1)
                    if rng.random() < 0.33 and len(body) >= 5:
                        size = int(rng.integers(2, 4))
                        first = int(rng.integers(1, max(2, len(body) - size)))
                        middle = body[first : first + size]
                        add(hosts[int(rng.integers(len(hosts)))], middle, "middle", 1)
    return records


def excerpts_found(found: list[list[str]], records: list[dict]) -> dict[str, tuple[int, int]]:
    """Per kind of excerpt (excerpt: of the start, middle), how many share a cluster with
    their piece's origin, of how many."""
    cluster_of = {url: i for i, urls in enumerate(found) for url in urls}
    origin = {r["piece"]: r["url"] for r in records if r.get("kind") == "origin"}
    out: dict[str, tuple[int, int]] = {}
    for kind in ("excerpt", "middle"):
        urls = [(r["url"], origin.get(r["piece"])) for r in records if r.get("kind") == kind]
        hits = sum(
            1 for url, home in urls if url in cluster_of and cluster_of[url] == cluster_of.get(home)
        )
        out[kind] = (hits, len(urls))
    return out


def truth_of(records: list[dict]) -> list[set[str]]:
    pieces: dict[str, set[str]] = defaultdict(set)
    for r in records:
        pieces[r["piece"]].add(r["url"])
    return [urls for urls in pieces.values() if len(urls) >= 2]


# -- the two paths ---------------------------------------------------------------------------


def project_path(records: list[dict], params: signatures.SignatureParams) -> tuple[list, dict]:
    """Sign (full, prefix, windows), LSH candidates, verify (with site repeats), cluster."""
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    sites = {i: r["site"] for i, r in enumerate(records)}
    prof = signatures.profile([r["text"] for r in records], params)
    seconds["sign"], t = time.perf_counter() - t, time.perf_counter()
    ids = list(range(len(records)))
    pairs = index.LSHIndex(index.MemoryBuckets(), params).candidates(
        ids, prof.signatures, prof.prefix_signatures, prof.windows
    )
    seconds["candidates"], t = time.perf_counter() - t, time.perf_counter()
    shingle_sets = dict(enumerate(prof.shingle_sets))
    links = clusters.verify(pairs, shingle_sets, clusters.site_repeats(shingle_sets, sites))
    seconds["verify"], t = time.perf_counter() - t, time.perf_counter()
    result = clusters.cluster(ids, links)
    seconds["cluster"] = time.perf_counter() - t
    found = [[records[i]["url"] for i in members] for members in result.members().values()]
    return found, seconds


def datasketch_path(records: list[dict], params: signatures.SignatureParams) -> tuple[list, dict]:
    """datasketch's README recipe: MinHash.update per shingle, MinHashLSH, union-find."""
    from datasketch import MinHash, MinHashLSH

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    lsh = MinHashLSH(threshold=clusters.COPY_RESEMBLANCE, num_perm=params.num_perm)
    minhashes = []
    for i, record in enumerate(records):
        m = MinHash(num_perm=params.num_perm, seed=params.seed)
        for shingle in signatures.shingles(record["text"], params.shingle_words):
            m.update(shingle.encode("utf-8"))
        lsh.insert(i, m)
        minhashes.append(m)
    seconds["sign+insert"], t = time.perf_counter() - t, time.perf_counter()
    parent = list(range(len(records)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, m in enumerate(minhashes):
        for j in lsh.query(m):
            ra, rb = find(i), find(j)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    seconds["query+union"] = time.perf_counter() - t
    groups: dict[int, list[str]] = defaultdict(list)
    for i, record in enumerate(records):
        groups[find(i)].append(record["url"])
    return [g for g in groups.values() if len(g) >= 2], seconds


def _peak_rss(reset: bool = False) -> int:
    """Peak resident memory of this process in bytes (Linux VmHWM); reset starts it afresh."""
    if reset:
        Path("/proc/self/clear_refs").write_text("5")
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def _measured(path, records, params):
    gc.collect()
    base = _peak_rss(reset=True)
    start, cpu = time.perf_counter(), time.process_time()
    found, seconds = path(records, params)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    return found, seconds, total, cpu, _peak_rss() - base


def compare(records: list[dict], params: signatures.SignatureParams, repeat: int = 1) -> None:
    """Both paths, `repeat` times each in turn; the fastest run of each is compared (as timeit
    does: slower runs measure the machine's other work), the slowest is shown beside it."""
    truth = truth_of(records)
    kinds = ", ".join(
        f"{n} {k}" for k, n in sorted(Counter(r.get("kind") for r in records).items(), key=str)
    )
    print(f"{len(records)} articles ({kinds}), {len(truth)} pieces with copies or excerpts")
    paths = (("crosspost", project_path), ("datasketch recipe", datasketch_path))
    runs: dict[str, list] = defaultdict(list)
    for _ in range(repeat):
        for name, path in paths:
            runs[name].append(_measured(path, records, params))
    print(
        f"{'path':18} {'wall s':>7} {'CPU s':>7} {'slowest':>8} {'+peak MB':>8} {'precision':>9} "
        f"{'recall':>7}  stages (wall)"
    )
    best = {}
    for name, _ in paths:
        found, seconds, total, cpu, peak = best[name] = min(runs[name], key=lambda r: r[3])
        score = score_pairs(found, truth)
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items())
        slowest = max(r[3] for r in runs[name])
        peak = max(r[4] for r in runs[name])  # the first run's, usually: later ones reuse memory
        print(
            f"{name:18} {total:7.2f} {cpu:7.2f} {slowest:8.2f} {peak / 2**20:8.1f} "
            f"{score.precision:9.4f} {score.recall:7.4f}  {stages}"
        )
        (lead, leads), (middle, middles) = excerpts_found(found, records).values()
        if leads or middles:
            print(
                f"{'':18} excerpts with their piece: of the start {lead}/{leads}, "
                f"of the middle {middle}/{middles}"
            )
    ours, theirs = best["crosspost"], best["datasketch recipe"]
    # CPU time is the fair ratio on a shared machine; wall time is what a user waits.
    print(
        f"speed-up: {theirs[3] / ours[3]:.1f}x in CPU time, {theirs[2] / ours[2]:.1f}x in wall "
        f"time (fastest of {repeat} runs each)"
    )
    start = time.perf_counter()
    learned = boilerplate.learn((i, r["site"], r["text"]) for i, r in enumerate(records))
    patterns = boilerplate.load_patterns()
    for r in records:
        boilerplate.strip(r["text"], patterns, learned, r["site"])
    print(
        f"(boilerplate learn + strip, the pipeline's step before signing, in neither path: "
        f"{time.perf_counter() - start:.2f}s)"
    )


# -- scale -------------------------------------------------------------------------------------

_CLUSTER_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from dedupe.pipeline import cluster_store
from dedupe.store import Store
store = Store({db!r})
start, cpu = time.perf_counter(), time.process_time()
report = cluster_store(store)
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # forked for tracing
print(json.dumps({{"seconds": seconds, "cpu": cpu, "rss": rss, "helper": helper, "stages": report.seconds, "peak": report.peak_mb,
                  "summary": report.summary(), "traced": report.traced}}))
"""


def _run(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout


def _import(records: list[dict], db: Path) -> float:
    path = db.with_suffix(".import.jsonl")
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps({k: v for k, v in r.items() if k not in ("piece", "kind")}) + "\n")
    start = time.perf_counter()
    _run([sys.executable, "-m", "crosspost", "import", str(path), "--db", str(db)])
    path.unlink()
    return time.perf_counter() - start


def _cluster(db: Path) -> dict:
    code = _CLUSTER_CHILD.format(root=str(ROOT), db=str(db))
    return json.loads(_run([sys.executable, "-c", code]).strip().splitlines()[-1])


def _stored_quality(db: Path, records: list[dict]):
    """Pairwise precision/recall of the clusters stored in `db` against the records' pieces."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    found: dict[int, list[str]] = defaultdict(list)
    for cluster_id, url in conn.execute(
        "SELECT m.cluster_id, a.url FROM cluster_members m JOIN articles a ON a.id = m.article_id"
    ):
        found[cluster_id].append(url)
    conn.close()
    return score_pairs(list(found.values()), truth_of(records))


def scale(articles: int, add: int, db: Path, seed: int) -> None:
    """Import `articles`, cluster from scratch, import `add` more, cluster again."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    records = generate(articles, seed)
    print(f"importing {len(records)} articles into {db} ...", flush=True)
    imported = _import(records, db)
    first = _cluster(db)
    first["score"] = _stored_quality(db, records)
    size = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    more = generate(add, seed + 1, start_piece=10**7, sites=max(50, articles // 100))
    _import(more, db)
    second = _cluster(db)
    second["score"] = _stored_quality(db, records + more)
    print(f"import: {imported:.1f}s; database {size / 2**20:.0f} MB after the first run")
    for name, run in (("from scratch", first), (f"+{add} new", second)):
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in run["stages"].items())
        print(
            f"{name:14} {run['seconds']:8.1f}s (CPU {run['cpu']:.1f}s)  peak RSS "
            f"{run['rss'] / 2**20:7.0f} MB "
            f"(forked helper {run.get('helper', 0) / 2**20:.0f} MB)  {stages}"
        )
        print(f"{'':14} {run['summary']}; {run['traced']} clusters traced")
        print(
            f"{'':14} pairwise precision {run['score'].precision:.4f}, "
            f"recall {run['score'].recall:.4f} (boilerplate stripped, as in the pipeline)"
        )
        print(
            f"{'':14} peak RSS after each stage (MB): { ({k: round(v) for k, v in run['peak'].items()}) }"
        )
    print(
        f"incremental / from scratch: {100 * second['seconds'] / first['seconds']:.1f}% "
        f"(CPU {100 * second['cpu'] / first['cpu']:.1f}%)"
    )


# -- whole processes ---------------------------------------------------------------------------

# Shingles as dedupe.signatures.shingles makes them (NFKC, casefold, \w+ words, 5-grams), written
# out so that the other tools' processes import nothing of the project.
_READ_AND_SHINGLE = """
import json, re, sys, unicodedata
from collections import defaultdict
WORD = re.compile(r"\\w+")
def shingles(text, k={k}):
    tokens = WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(tokens) <= k:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]
records = [json.loads(line) for line in open({corpus!r}, encoding="utf-8") if line.strip()]
parent = list(range(len(records)))
def find(a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a
def union_and_write(similar):
    for i, found in similar:
        for j in found:
            ra, rb = find(i), find(j)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups = defaultdict(list)
    for i, r in enumerate(records):
        groups[find(i)].append(r["url"])
    with open({out!r}, "w") as out:
        json.dump([g for g in groups.values() if len(g) >= 2], out)
"""

# datasketch's README: MinHash.update per shingle, MinHashLSH at the threshold, query each.
_RECIPE_CHILD = """
from datasketch import MinHash, MinHashLSH
lsh = MinHashLSH(threshold={threshold}, num_perm={num_perm})
minhashes = []
for i, r in enumerate(records):
    m = MinHash(num_perm={num_perm}, seed={seed})
    for s in shingles(r["text"]):
        m.update(s.encode("utf-8"))
    lsh.insert(i, m)
    minhashes.append(m)
union_and_write((i, lsh.query(m)) for i, m in enumerate(minhashes))
"""

# rensa's README: RMinHash.update with the shingles, RMinHashLSH with datasketch's banding.
_RENSA_CHILD = """
from rensa import RMinHash, RMinHashLSH
lsh = RMinHashLSH(threshold={threshold}, num_perm={num_perm}, num_bands={bands})
minhashes = []
for i, r in enumerate(records):
    m = RMinHash(num_perm={num_perm}, seed={seed})
    m.update(shingles(r["text"]))
    lsh.insert(i, m)
    minhashes.append(m)
union_and_write((i, lsh.query(m)) for i, m in enumerate(minhashes))
"""


def _process(args: list[str]) -> dict:
    """Run one process to its end: wall and CPU seconds and its own peak RSS (os.wait4 reaps it
    with its rusage, which RUSAGE_CHILDREN would mix with the other children's)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise SystemExit(f"{' '.join(args[:4])} failed:\n{err.read().decode()[-3000:]}")
        return {
            "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss * 1024,
            "out": out.read().decode(),
        }


def whole(records: list[dict], params: signatures.SignatureParams, folder: Path) -> None:
    """Import and cluster with the crosspost command, then the recipe and rensa, as processes."""
    truth = truth_of(records)
    corpus, db = folder / "corpus.jsonl", folder / "whole.db"
    with corpus.open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps({k: v for k, v in r.items() if k not in ("piece", "kind")}) + "\n")
    # rensa wants bands that divide the permutations: those whose S-curve's middle,
    # (1/b)^(1/r), is nearest datasketch's choice for the threshold.
    b, r = index.choose_bands(params.num_perm, clusters.COPY_RESEMBLANCE, 0.5, 0.5)
    bands = min(
        (n for n in range(1, params.num_perm + 1) if params.num_perm % n == 0),
        key=lambda n: abs((1 / n) ** (n / params.num_perm) - (1 / b) ** (1 / r)),
    )
    crosspost = [sys.executable, "-m", "crosspost"]
    runs: dict[str, dict] = {}
    runs["crosspost import"] = _process([*crosspost, "import", str(corpus), "--db", str(db)])
    runs["crosspost cluster"] = _process([*crosspost, "cluster", "--db", str(db)])
    runs["crosspost cluster"]["score"] = _stored_quality(db, records)
    for name, child in (("datasketch recipe", _RECIPE_CHILD), ("rensa", _RENSA_CHILD)):
        out = folder / f"{name.split()[0]}.json"
        code = _READ_AND_SHINGLE.format(
            k=params.shingle_words, corpus=str(corpus), out=str(out)
        ) + child.format(
            threshold=clusters.COPY_RESEMBLANCE,
            num_perm=params.num_perm,
            seed=params.seed,
            bands=bands,
        )
        runs[name] = _process([sys.executable, "-c", code])
        runs[name]["score"] = score_pairs(json.loads(out.read_text()), truth)
    print(
        f"{len(records)} articles, {len(truth)} pieces with copies or excerpts; whole processes, "
        "one after the other"
    )
    print(
        f"{'process':18} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} {'precision':>9} {'recall':>7}"
    )
    for name, run in runs.items():
        score = run.get("score")
        quality = f"{score.precision:9.4f} {score.recall:7.4f}" if score else ""
        print(f"{name:18} {run['wall']:7.2f} {run['cpu']:7.2f} {run['rss'] / 2**20:8.0f} {quality}")
    ours, recipe, rensa = (runs[n] for n in ("crosspost cluster", "datasketch recipe", "rensa"))
    for unit in ("wall", "cpu"):
        print(
            f"{unit + ':':5} recipe / crosspost cluster {recipe[unit] / ours[unit]:5.1f}x, "
            f"crosspost cluster / rensa {ours[unit] / rensa[unit]:4.2f}x"
        )
    print("(the recipe and rensa read the raw texts; crosspost cluster also strips boilerplate,")
    print(" verifies, traces the spread and stores it all: `crosspost cluster` prints its stages)")
    print(f"crosspost cluster: {ours['out'].strip()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--corpus", type=Path, help="JSON lines with url, site, text, piece")
    parser.add_argument("--isot", type=Path, help="folder holding isot-*.csv")
    parser.add_argument("--write", type=Path, help="write the corpus as JSON lines and stop")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path (fastest kept)")
    parser.add_argument("--scale", type=int, help="articles to cluster through the store")
    parser.add_argument("--add", type=int, default=1000, help="new articles after --scale")
    parser.add_argument("--db", type=Path, default=Path("/tmp/crosspost-scale.db"))
    parser.add_argument(
        "--whole", action="store_true", help="whole processes: the commands, recipe and rensa"
    )
    args = parser.parse_args(argv)
    if args.scale:
        scale(args.scale, args.add, args.db, args.seed)
        return
    if args.whole and importlib.util.find_spec("rensa") is None:
        sys.exit("--whole compares with rensa, which is not installed: pip install -e '.[bench]'")
    params = signatures.SignatureParams()
    if args.corpus:
        records = [json.loads(line) for line in args.corpus.open(encoding="utf-8") if line.strip()]
    elif args.isot:
        records = from_isot(args.isot, args.seed)
    else:
        records = generate(args.articles, args.seed)
    if args.whole:
        with tempfile.TemporaryDirectory(prefix="crosspost-whole-") as folder:
            whole(records, params, Path(folder))
        return
    if args.write:
        with args.write.open("w", encoding="utf-8") as out:
            for r in records:
                out.write(json.dumps(r) + "\n")
        return
    compare(records, params, max(1, args.repeat))


if __name__ == "__main__":
    main()
