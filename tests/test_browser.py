"""The spread pages in a real browser: headless Debian Chromium against `serve()` on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_web import HOSTILE_TITLE, build_database

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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`crosspost.serve.serve` in a child process, as `crosspost serve` runs it."""
    folder = tmp_path_factory.mktemp("browser")
    db = build_database(folder / "spread.db")
    port = free_port()
    log = (folder / "server.log").open("w")
    code = f"from crosspost.serve import serve; serve({str(db)!r}, port={port})"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail("server did not start:\n" + (folder / "server.log").read_text())
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


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


def test_cluster_page_draws_the_spread_and_links_to_articles(server, page, tmp_path):
    page.goto(f"{server}/-/crosspost/cluster/1")
    page.wait_for_selector("body[data-crosspost-ready]")
    graph = page.locator("#cp-graph-svg")
    assert graph.locator(".cp-node").count() == 4
    assert graph.locator(".cp-edge").count() == 3
    assert graph.locator(".cp-edge-label").all_text_contents() == [
        "+6.0 h",
        "+18.0 h",
        "\u221230.0 h",
    ]
    assert page.locator("#cp-timeline-svg .cp-timeline-row").count() == 4
    assert page.locator("#crosspost-legend li").count() == 4
    page.screenshot(path=str(tmp_path / "cluster-1.png"), full_page=True)
    assert page.errors == [] and page.dialogs == []

    page.locator('#cp-graph-svg a.cp-node-link:has(g[data-id="3"])').click()
    page.wait_for_url(f"{server}/spread/articles/3")
    assert "River towns vote to share a ferry" in page.locator("section.content").inner_text()


def test_canned_queries_run_in_the_browser(server, page, tmp_path):
    page.goto(f"{server}/spread/cluster_spread")
    page.fill('input[name="cluster"]', "1")
    page.locator('form.sql input[type="submit"]').click()
    page.wait_for_selector("table.rows-and-columns tbody tr")
    assert page.locator("table.rows-and-columns tbody tr").count() == 4
    page.screenshot(path=str(tmp_path / "cluster-spread.png"), full_page=True)

    page.goto(f"{server}/spread/largest_clusters")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 2
    page.screenshot(path=str(tmp_path / "largest-clusters.png"), full_page=True)
    rows.first.locator('a[href="/-/crosspost/cluster/1"]').click()
    page.wait_for_selector("body[data-crosspost-ready]")
    assert page.locator("#cp-graph-svg .cp-node").count() == 4


def test_flows_page(server, page, tmp_path):
    page.goto(f"{server}/-/crosspost/flows")
    page.wait_for_selector("body[data-crosspost-ready]")
    assert page.locator("#cp-graph-svg .cp-node").count() == 4
    assert page.locator("#cp-graph-svg .cp-edge").count() == 4
    page.screenshot(path=str(tmp_path / "flows.png"), full_page=True)
    assert page.errors == []


def test_hostile_content_stays_inert(server, page):
    for path in (
        "/-/crosspost/cluster/1",
        "/-/crosspost/cluster/2",
        "/-/crosspost/flows",
        "/spread/clusters",
        "/spread/articles/4",
        "/spread/search_articles?q=ferry",
    ):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
        for target in page.locator("svg .cp-node, td a").all()[:6]:  # mouseover handlers
            target.hover()
    assert page.dialogs == []
    assert page.errors == []
    page.goto(f"{server}/-/crosspost/cluster/1")
    assert HOSTILE_TITLE in page.locator("table.crosspost-members").inner_text()
    assert page.locator('a[href^="javascript:"]').count() == 0
