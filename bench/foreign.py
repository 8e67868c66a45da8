"""The foreign web: crosspost as a new user runs it, scored by the web's own truth and scorer.

    .venv/bin/python bench/foreign.py                       # seed 41, with the peer recipe
    .venv/bin/python bench/foreign.py --seed 41 --seed 42 --no-peer

For each seed, ../shared/foreign-web/run.sh builds the web (written outside the project), serves
it on 127.0.1.1-12:8089, runs `crosspost crawl` + `crosspost cluster` for phase 1 and again for
phase 2 (a scheduled re-crawl), and scores both phases; --peer (the default) also scores the peer
recipe (trafilatura + datasketch MinHashLSH + union-find + earliest date, given the URL list).
This script prints every phase-2 figure the text and spread issues set a floor for, beside the
floor and the peer's figure, then two figures the scorer does not compute (excerpts clustered with
their piece; spread edges right per confidence band, a calibration table).

The web's texts are other people's news: they stay in ../shared and the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOREIGN = ROOT.parent / "shared" / "foreign-web"

# figure: (floor, "min" or "max"): the phase-2 floors of the two issues.
FLOORS = {
    "boilerplate_left": (0.01, "max"),
    "text_contamination": (0.02, "max"),
    "text_recall": (0.99, "min"),
    "coverage": (0.99, "min"),
    "junk_rows": (0, "max"),
    "title_exact": (0.98, "min"),
    "date_correct": (0.98, "min"),
    "refetched_old_articles": (5, "max"),
    "pair_precision": (0.99, "min"),
    "pair_recall": (0.99, "min"),
    "excerpts_clustered": (0.98, "min"),
    "commentary_merged": (0, "max"),
    "origin_accuracy": (0.97, "min"),
    "parent_accuracy": (0.95, "min"),
}
BANDS = [(0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 0.95), (0.95, 1.01)]


def norm_url(url: str) -> str:
    sys.path.insert(0, str(FOREIGN))
    from score import norm_url as scorer_norm  # the scorer's own URL matching

    return scorer_norm(url)


def extra_figures(out: Path) -> dict:
    """Excerpts clustered with their piece, and edge calibration, from the phase-2 database."""
    truth = json.loads((out / "web" / "truth.json").read_text())
    by_url = {norm_url(p["url"]): p for p in truth["pages"]}
    db = sqlite3.connect(out / "foreign.db")
    ids = {aid: norm_url(url) for aid, url in db.execute("SELECT id, url FROM articles")}
    ids = {aid: u for aid, u in ids.items() if u in by_url}
    cluster_of = dict(db.execute("SELECT article_id, cluster_id FROM cluster_members"))
    pieces: dict[str, list[int]] = defaultdict(list)
    for aid, u in ids.items():
        pieces[by_url[u]["piece"]].append(aid)
    found = total = 0
    for aid, u in ids.items():
        page = by_url[u]
        others = [
            o for o in pieces[page["piece"]] if o != aid and by_url[ids[o]]["kind"] != "excerpt"
        ]
        if page["kind"] != "excerpt" or not others:
            continue
        total += 1
        found += any(
            cluster_of.get(aid) is not None and cluster_of.get(o) == cluster_of.get(aid)
            for o in others
        )
    bands: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for source, target, confidence in db.execute(
        "SELECT source_article_id, target_article_id, confidence FROM spread_edges"
    ):
        page = by_url.get(ids.get(target, ""))
        if not page or not page["parent"] or norm_url(page["parent"]) not in ids.values():
            continue
        band = next(b for b in BANDS if b[0] <= (confidence or 0) < b[1])
        bands[band][1] += 1
        bands[band][0] += ids.get(source) == norm_url(page["parent"])
    return {"excerpts_clustered": found / total if total else None, "calibration": dict(bands)}


def run_seed(seed: int, pieces: int, out: Path, peer: bool) -> dict:
    command = [
        str(FOREIGN / "run.sh"),
        "--seed",
        str(seed),
        "--pieces",
        str(pieces),
        "--out",
        str(out),
    ]
    if peer:
        command.append("--baseline")
    done = subprocess.run([*command, str(ROOT)], capture_output=True, text=True)
    if done.returncode != 0 or not (out / "result.json").exists():
        sys.exit(f"run.sh failed for seed {seed}: {done.stdout[-500:]}{done.stderr[-500:]}")
    result = {
        k[3:]: v
        for k, v in json.loads((out / "result.json").read_text()).items()
        if k.startswith("p2_")
    }
    result.update(extra_figures(out))
    peer_file = out / "baseline-score.json"
    result["peer"] = json.loads(peer_file.read_text()) if peer and peer_file.exists() else {}
    return result


def show(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def meets(value, floor: tuple) -> bool:
    bound, kind = floor
    return value is not None and (value >= bound if kind == "min" else value <= bound)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seed", type=int, action="append", help="web seed (repeatable; default 41)"
    )
    parser.add_argument("--pieces", type=int, default=300)
    parser.add_argument(
        "--out", type=Path, default=Path("/tmp"), help="folder for foreign-web-SEED/"
    )
    parser.add_argument("--no-peer", dest="peer", action="store_false", help="skip the peer recipe")
    args = parser.parse_args()
    if not (FOREIGN / "run.sh").exists():
        sys.exit(f"no foreign web at {FOREIGN}")
    seeds = args.seed or [41]
    results = {
        seed: run_seed(seed, args.pieces, args.out / f"foreign-web-{seed}", args.peer)
        for seed in seeds
    }
    head = f"{'phase 2 figure':24} {'floor':>8} " + " ".join(
        f"{'seed ' + str(s):>9} {'peer':>7}" for s in seeds
    )
    print(head)
    failed = 0
    for figure, floor in FLOORS.items():
        cells = []
        for seed in seeds:
            value = results[seed].get(figure)
            ok = meets(value, floor)
            failed += not ok
            cells.append(
                f"{show(value):>8}{' ' if ok else '!'} {show(results[seed]['peer'].get(figure)):>7}"
            )
        sign = ">=" if floor[1] == "min" else "<="
        print(f"{figure:24} {sign + ' ' + show(floor[0]):>8} " + " ".join(cells))
    for seed in seeds:
        r = results[seed]
        print(
            f"seed {seed}: crawl {r.get('crawl_s', 0):.1f} s, cluster {r.get('cluster_s', 0):.1f} s (phase 2)"
        )
        print("  spread edges right by confidence (the copy's true parent, where it was crawled):")
        for (low, high), (right, total) in sorted(r["calibration"].items()):
            print(f"    {low:.2f}-{min(high, 1.0):.2f}: {right}/{total} ({right / total:.0%})")
    print(
        f"{failed} figure(s) short of their floor (marked !)"
        if failed
        else "every figure meets its floor"
    )


if __name__ == "__main__":
    main()
