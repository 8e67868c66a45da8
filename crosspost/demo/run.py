"""`crosspost demo`: serve the sample web, crawl it, cluster, export, and compare with its truth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crawler.runner import run_crawl
from crawler.sitelist import load_sites
from crosspost.demo.score import found_spread, score_pairs, score_spread
from crosspost.demo.server import serve
from crosspost.demo.web import build_web
from dedupe.export import export
from dedupe.pipeline import cluster_store
from dedupe.store import Store

# The demo crawls a web on this machine: no need to wait between requests.
FAST_CRAWL = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 2,
}
GRAPH_FORMATS = {"gexf": "spread.gexf", "graphml": "spread.graphml", "json": "spread.json"}


def fresh_db(path: Path) -> None:
    """The demo starts from an empty database each time."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def crawl_sample_web(out: Path, port: int = 0, overrides: dict | None = None, seed: int = 7):
    """Serve the sample web (of `seed`), write its sites.toml and crawl it into out/demo.db;
    returns (store, crawl stats, the truth bound to the port served)."""
    web = build_web(seed)
    db_path = out / "demo.db"
    fresh_db(db_path)
    store = Store(db_path)
    with serve(web, port=port) as running:
        sites_toml = out / "sites.toml"
        web.write_sites_toml(sites_toml, {host: running.base_url(host) for host in running.hosts})
        settings = {**FAST_CRAWL, "CROSSPOST_HOSTS": running.hosts, **(overrides or {})}
        stats = run_crawl(load_sites(sites_toml), store, settings)
        truth = web.truth.for_port(running.port)
    return store, stats, truth


def run_demo(out: Path, port: int = 0, echo: Callable[[str], object] = print) -> bool:
    """The whole pipeline on the sample web; True when it finds what the truth says exists."""
    out.mkdir(parents=True, exist_ok=True)
    echo("serving the sample web on 127.0.1.x and crawling it ...")
    store, stats, truth = crawl_sample_web(out, port)
    true_articles = {page.url for page in truth.articles()}
    stored = store.known_urls()
    echo(
        f"crawled {stats.get('response_received_count', 0)} pages; stored {len(stored)} articles "
        f"({len(stored & true_articles)} of the {len(true_articles)} the web holds, "
        f"{len(stored - true_articles)} that are not articles)"
    )
    report = cluster_store(store)
    echo(report.summary())
    found = [[url for url, _, _ in members] for members in store.cluster_member_urls().values()]
    true_clusters = truth.clusters()
    score = score_pairs(found, true_clusters)
    echo(f"clusters: {len(found)} found, {len(true_clusters)} in the truth; pairs: {score}")
    echo(f"spread: {score_spread(*found_spread(store), truth)}")
    members = store.cluster_member_urls()
    for cluster in store.largest_clusters(3):
        echo(f"\n  cluster {cluster['id']}: {cluster['title']!r} ({cluster['size']} pages)")
        for url, _site, kind in members[cluster["id"]]:
            echo(f"    {kind:8} {url}")
    echo("")
    for fmt, name in GRAPH_FORMATS.items():
        summary = export(store, fmt, out / name)
        echo(
            f"wrote {out / name} ({summary.get('nodes', 0)} nodes, {summary.get('edges', 0)} edges)"
        )
    echo(f"database: {out / 'demo.db'}")
    echo(f"browse it: crosspost serve {out / 'demo.db'}   (or: make serve)")
    store.close()
    return stats.get("finish_reason") == "finished" and score.recall >= 0.9
