"""Spread tracing on the sample web: crosspost's evidence against the earliest-date baseline.

    .venv/bin/python bench/spread.py                 # the demo web (seed 7)
    .venv/bin/python bench/spread.py --seed 7 --seed 8 --seed 9 -v

For each seed: serve the sample web on loopback, crawl it with the real spider, run
cluster_store, then score the origin of every found cluster and the parent of every other member
against the web's truth (crosspost.demo.score.score_spread). The baseline takes the earliest
published member as the origin (undated last) and makes it the parent of every copy. Copies the
truth marks "ambiguous-source" (nothing on the page names or carries their immediate source) are
counted in the totals and shown apart.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosspost.demo.run import crawl_sample_web  # noqa: E402
from crosspost.demo.score import (  # noqa: E402
    SpreadScore,
    earliest_date_spread,
    found_spread,
    score_spread,
)
from dedupe.pipeline import cluster_store  # noqa: E402


def _cell(right: int, total: int) -> str:
    return f"{right}/{total} ({right / total:.1%})" if total else "-"


def compare(seed: int, out: Path, verbose: bool) -> tuple[SpreadScore, SpreadScore]:
    """Crawl and cluster one sample web; print and return (crosspost, baseline) scores."""
    started = time.perf_counter()
    store, _stats, truth = crawl_sample_web(out, seed=seed)
    crawled = time.perf_counter() - started
    report = cluster_store(store)
    clusters, origins, parents = found_spread(store)
    ours = score_spread(clusters, origins, parents, truth)
    base = score_spread(clusters, *earliest_date_spread(store), truth)
    evidence = Counter(e["evidence"].split(":")[0].split(";")[0] for e in store.spread_edge_rows())
    externals = sum(
        1 for p in parents.values() if p and p not in {u for c in clusters.values() for u in c}
    )
    print(
        f"\nseed {seed}: {store.article_count()} articles crawled in {crawled:.1f}s, "
        f"{report.clusters} clusters, {ours.copies} copies ({ours.ambiguous} ambiguous), "
        f"{externals} hanging from an outside source; spread in {report.seconds['spread']:.2f}s"
    )
    rows = [
        ("origin right", _cell(ours.origins_right, ours.clusters),
         _cell(base.origins_right, base.clusters)),
        ("parent right", _cell(ours.parents_right, ours.copies),
         _cell(base.parents_right, base.copies)),
        ("  of them ambiguous", _cell(ours.ambiguous_right, ours.ambiguous),
         _cell(base.ambiguous_right, base.ambiguous)),
    ]  # fmt: skip
    print(f"  {'':22}{'crosspost':>22}{'earliest-date':>22}")
    for label, a, b in rows:
        print(f"  {label:22}{a:>22}{b:>22}")
    print("  evidence of stored edges: " + ", ".join(f"{k} {n}" for k, n in evidence.most_common()))
    if verbose:
        for url, found, expected in ours.wrong:
            note = " (ambiguous)" if "ambiguous-source" in truth.pages[url].flags else ""
            print(f"  wrong{note}: {url}\n     found {found}\n     truth {expected}")
    store.close()
    return ours, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, action="append", help="sample web seed (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the wrong parents")
    parser.add_argument("--counts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seeds = args.seed or [7]
    if len(seeds) == 1:
        with tempfile.TemporaryDirectory() as tmp:
            scores = compare(seeds[0], Path(tmp), args.verbose)
        if args.counts:  # for the parent process: one JSON line of counts
            print(json.dumps([[s.origins_right, s.clusters, s.parents_right, s.copies]
                              for s in scores]))  # fmt: skip
        return
    # Scrapy's reactor runs once per process: one child process per seed.
    totals = [[0, 0, 0, 0], [0, 0, 0, 0]]
    for seed in seeds:
        command = [sys.executable, __file__, "--seed", str(seed), "--counts"]
        child = subprocess.run(command + ["-v"] * args.verbose, capture_output=True, text=True)
        if child.returncode:
            sys.exit(f"seed {seed} failed:\n{child.stderr[-2000:]}")
        *lines, counts = child.stdout.rstrip("\n").split("\n")
        print("\n".join(lines))
        for total, found in zip(totals, json.loads(counts), strict=True):
            total[:] = [a + b for a, b in zip(total, found, strict=True)]
    print("\nall seeds:")
    for name, (o, c, p, n) in zip(("crosspost", "earliest-date"), totals, strict=True):
        print(f"  {name:14} origins {_cell(o, c)}, parents {_cell(p, n)}")


if __name__ == "__main__":
    main()
