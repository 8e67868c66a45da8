"""The research interface in a real browser: headless Debian Chromium against `crosspost serve`.

One server (the real command, on the sample web crawled and clustered by the session fixture
`crawled_web`) and one browser for the module. The hostile-content test loads a small database
of crafted titles, names and URLs through the same browser, served by the in-process app.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from test_roles import build_role_database
from test_web import HOSTILE_TITLE, build_database

from crosspost.serve import make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("crosspost serve did not start:\n" + log.read_text())
            time.sleep(0.1)


@contextlib.contextmanager
def serving(db: Path, log_path: Path):
    """`crosspost serve DB --port N` in its own process; yields the base URL."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "crosspost", "serve", str(db), "--port", str(port)],
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, process, log_path)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def demo(crawled_web, tmp_path_factory):
    """`crosspost serve DB --port N` on the crawled sample web; yields (base URL, db path)."""
    _running, _truth, db = crawled_web
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "crosspost", "serve", str(db), "--port", str(port)],
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, process, log_path)
            yield base, db
        finally:
            process.terminate()
            process.wait(timeout=10)


def query(db: Path, sql: str, *params) -> list[tuple]:
    """Expected figures straight from the database file (read-only)."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page that records every dialog (an XSS would open one) and every script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def largest_cluster(db: Path) -> tuple[int, int, int, int]:
    """(cluster id, pages, spread edges, sites) of the largest cluster."""
    ((cluster_id, size, sites),) = query(
        db, "SELECT id, size, sites FROM clusters ORDER BY size DESC, sites DESC, id LIMIT 1"
    )
    ((members,),) = query(
        db, "SELECT COUNT(*) FROM cluster_members WHERE cluster_id = ?", cluster_id
    )
    ((edges,),) = query(db, "SELECT COUNT(*) FROM spread_edges WHERE cluster_id = ?", cluster_id)
    assert members == size and size >= 3
    return cluster_id, members, edges, sites


def test_cluster_page_draws_the_spread_and_links_to_articles(demo, page, tmp_path):
    base, db = demo
    cluster_id, nodes, edges, sites = largest_cluster(db)
    page.goto(f"{base}/-/crosspost/cluster/{cluster_id}")
    page.wait_for_selector("body[data-crosspost-ready]")
    graph = page.locator("#cp-graph-svg")
    assert graph.locator(".cp-node").count() == nodes
    assert graph.locator(".cp-edge").count() == edges == nodes - 1  # a tree: one source per copy
    assert graph.locator(".cp-kind-origin").count() == 1
    assert page.locator("#cp-timeline-svg .cp-timeline-row").count() == nodes
    assert page.locator("#crosspost-legend li").count() == sites
    assert page.locator("table.crosspost-members tbody tr").count() == nodes
    page.screenshot(path=str(tmp_path / f"cluster-{cluster_id}.png"), full_page=True)
    assert page.errors == [] and page.dialogs == []

    # Follow the latest copy's node to its article row.
    ((copy_id, title),) = query(
        db,
        "SELECT a.id, a.title FROM cluster_members m JOIN articles a ON a.id = m.article_id "
        "WHERE m.cluster_id = ? AND m.kind != 'origin' ORDER BY a.published DESC, a.id LIMIT 1",
        cluster_id,
    )
    page.locator(f'#cp-graph-svg a.cp-node-link:has(g[data-id="{copy_id}"])').click()
    page.wait_for_url(f"{base}/{db.stem}/articles/{copy_id}")
    assert title in page.locator("section.content").inner_text()
    assert page.locator("table.crosspost-record td.col-text").is_visible()  # one field a line
    page.screenshot(path=str(tmp_path / f"article-{copy_id}.png"))


def test_canned_queries_run_in_the_browser(demo, page, tmp_path):
    base, db = demo
    cluster_id, nodes, _edges, _sites = largest_cluster(db)
    page.goto(f"{base}/{db.stem}/cluster_spread")
    page.fill('input[name="cluster"]', str(cluster_id))
    page.locator('form.sql input[type="submit"]').click()
    page.wait_for_selector("table.rows-and-columns tbody tr")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == nodes
    assert rows.first.locator("td.col-kind").inner_text() == "origin"
    page.screenshot(path=str(tmp_path / "cluster-spread.png"), full_page=True)

    ((clusters,),) = query(db, "SELECT COUNT(*) FROM clusters WHERE size >= 2")
    page.goto(f"{base}/{db.stem}/largest_clusters")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == clusters
    page.screenshot(path=str(tmp_path / "largest-clusters.png"), full_page=True)
    rows.first.locator(f'a[href="/-/crosspost/cluster/{cluster_id}"]').click()
    page.wait_for_selector("body[data-crosspost-ready]")
    assert page.locator("#cp-graph-svg .cp-node").count() == nodes
    assert page.errors == []


def test_flows_page_and_clusters_table(demo, page, tmp_path):
    base, db = demo
    flows = query(
        db, "SELECT source_site, target_site FROM site_flows WHERE source_site != target_site"
    )
    sites = {site for flow in flows for site in flow}
    page.goto(f"{base}/-/crosspost/flows")
    page.wait_for_selector("body[data-crosspost-ready]")
    graph = page.locator("#cp-graph-svg")
    assert graph.locator(".cp-node").count() == len(sites)
    assert graph.locator(".cp-edge").count() == len(flows)
    assert page.locator(
        "table.crosspost-matrix td.crosspost-cell:not(.crosspost-empty)"
    ).count() == (len(flows))
    # Hovering a site keeps only its own flows in view.
    source, _target = flows[0]
    graph.locator(f'.cp-node[data-id="{source}"] circle.cp-dot').hover()
    own = sum(source in flow for flow in flows)
    assert graph.locator(".cp-edge.cp-on").count() == own
    assert "cp-focus" in (graph.get_attribute("class") or "")
    page.screenshot(path=str(tmp_path / "flows.png"), full_page=True)

    page.goto(f"{base}/{db.stem}/clusters")
    assert page.locator("a.crosspost-spread").count() > 0
    page.screenshot(path=str(tmp_path / "clusters-table.png"), full_page=True)
    assert page.errors == []


def test_find_form_takes_a_passage_to_its_cluster(demo, page, tmp_path):
    base, db = demo
    cluster_id, _nodes, _edges, _sites = largest_cluster(db)
    ((text, origin_site),) = query(
        db,
        "SELECT a.text, COALESCE(s.name, o.site) FROM cluster_members m "
        "JOIN articles a ON a.id = m.article_id JOIN clusters c ON c.id = m.cluster_id "
        "JOIN articles o ON o.id = c.origin_article_id LEFT JOIN sites s ON s.id = o.site "
        "WHERE m.cluster_id = ? AND m.kind = 'excerpt' ORDER BY a.id LIMIT 1",
        cluster_id,
    )
    passage = "\n".join(text.splitlines()[1:4])  # a few paragraphs, not the excerpt's start
    assert len(passage.split()) >= 60
    page.goto(f"{base}/-/crosspost/flows")
    page.fill("form.crosspost-find textarea", passage)
    page.locator("form.crosspost-find button").click()
    page.wait_for_selector("section.crosspost-found")
    found = page.locator("section.crosspost-found").first
    assert f"Cluster {cluster_id}:" in found.locator("h2").inner_text()
    assert f"Origin: {origin_site}" in found.inner_text()
    assert found.locator("table.crosspost-members tbody tr").count() >= 3
    page.screenshot(path=str(tmp_path / "find.png"), full_page=True)
    found.locator("a", has_text="Open its spread").click()
    page.wait_for_selector("body[data-crosspost-ready]")
    assert page.url.endswith(f"/-/crosspost/cluster/{cluster_id}")
    assert page.errors == [] and page.dialogs == []


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_flows_page_stays_readable_at_fourteen_sites(page, tmp_path):
    db = tmp_path / "fourteen.db"
    roles = build_role_database(db)
    ((flows,),) = query(db, "SELECT COUNT(*) FROM site_flows WHERE source_site != target_site")
    with serving(db, tmp_path / "serve.log") as base:
        page.goto(f"{base}/-/crosspost/flows")
        page.wait_for_selector("body[data-crosspost-ready]")
        graph = page.locator("#cp-graph-svg")
        assert graph.locator(".cp-node").count() == len(roles) == 14
        assert graph.locator(".cp-edge").count() == flows
        strong = graph.locator(".cp-edge:not(.cp-weak)").count()
        assert 0 < strong < flows
        assert not graph.locator(".cp-edge.cp-weak").first.is_visible()
        # sites in columns by role, origins leftmost, aggregators right of republishers
        titles = [t.text_content() for t in graph.locator(".cp-column-title").all()]
        assert titles == ["origins", "republishers", "aggregators"]

        def x_of(site: str) -> float:
            return graph.locator(f'.cp-node[data-id="{site}"] circle.cp-dot').bounding_box()["x"]

        xs = {
            role: {x_of(site) for site, r in roles.items() if r == role}
            for role in set(roles.values())
        }
        assert max(xs["origin"]) < min(xs["republisher"]) < min(xs["aggregator"])
        labels = [box.bounding_box() for box in graph.locator(".cp-node-label").all()]
        assert not any(boxes_overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :])
        page.screenshot(path=str(tmp_path / "flows-14.png"), full_page=True)
        # hovering a site shows all of its flows, weak ones too
        site = next(site for site, role in roles.items() if role == "origin")
        graph.locator(f'.cp-node[data-id="{site}"] circle.cp-dot').hover()
        (( own,),) = query(
            db, "SELECT COUNT(*) FROM site_flows WHERE source_site != target_site "
            "AND ? IN (source_site, target_site)", site,
        )  # fmt: skip
        assert graph.locator(".cp-edge.cp-on").count() == own
        assert sum(e.is_visible() for e in graph.locator(".cp-edge.cp-on").all()) == own
        page.mouse.move(1, 1)
        page.check("#crosspost-all-flows")
        assert all(e.is_visible() for e in graph.locator(".cp-edge").all())
        page.screenshot(path=str(tmp_path / "flows-14-all.png"), full_page=True)
        assert page.errors == []


# -- hostile content ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The small hostile database, served in-process on an event loop in a thread."""
    app = make_app(build_database(tmp_path_factory.mktemp("hostile") / "spread.db"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def fetch(path: str):
        return asyncio.run_coroutine_threadsafe(app.client.get(path), loop).result(timeout=20)

    yield fetch
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


def test_hostile_content_stays_inert(hostile, page):
    origin = "http://hostile.test"

    def serve_route(route):
        response = hostile(route.request.url.removeprefix(origin))
        route.fulfill(
            status=response.status_code,
            headers={"content-type": response.headers.get("content-type", "text/plain")},
            body=response.content,
        )

    page.route(f"{origin}/**", serve_route)
    for path in (
        "/-/crosspost/cluster/1",
        "/-/crosspost/cluster/2",
        "/-/crosspost/flows",
        "/spread/clusters",
        "/spread/articles/4",
        "/spread/search_articles?q=ferry",
        "/spread/cluster_spread?cluster=1",
    ):
        page.goto(f"{origin}{path}")
        page.wait_for_load_state("load")
        for target in page.locator("svg .cp-dot, td a").all()[:5]:  # mouseover handlers
            target.hover(timeout=3000)
    assert page.dialogs == []
    assert page.errors == []
    page.goto(f"{origin}/-/crosspost/cluster/1")
    page.wait_for_selector("body[data-crosspost-ready]")
    assert HOSTILE_TITLE in page.locator("table.crosspost-members").inner_text()
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator("#cp-graph-svg .cp-node").count() == 4
