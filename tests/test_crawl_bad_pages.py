"""Pages that are not usable articles are skipped with their reason counted; the crawl goes on."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FAST, crosspost

from dedupe.store import Store

ARTICLE = (
    """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Quarry road reopens</title>
<meta property="og:type" content="article"></head><body><article><h1>Quarry road reopens</h1>
<time datetime="2026-11-04T09:00:00Z">4 November 2026</time>
"""
    + "\n".join(
        f"<p>The quarry road past Lindell Farm reopened on Tuesday after {n} weeks of repairs, and "
        f"the parish council said the resurfacing came in under its estimate of {n * 7} thousand.</p>"
        for n in range(2, 9)
    )
    + "</article></body></html>"
)

PAGES = {
    "/": (
        "text/html",
        b"<html><body><a href='/good'>good</a> <a href='/empty'>e</a> "
        b"<a href='/binary'>b</a> <a href='/huge'>h</a> <a href='/garbled'>g</a> "
        b"<a href='/pdfish'>p</a> <a href='/missing'>m</a></body></html>",
    ),
    "/good": ("text/html; charset=utf-8", ARTICLE.encode()),
    "/empty": ("text/html", b""),
    "/binary": ("text/html", bytes(range(256)) * 40),
    "/huge": ("text/html", b"<html><body>" + b"<p>word </p>" * 40_000 + b"</body></html>"),
    "/garbled": (
        "text/html; charset=utf-8",
        b"<html><body><p>" + b"\xff\xfe\xfa" * 3000 + b"</p></body></html>",
    ),
    "/pdfish": ("application/pdf", b"%PDF-1.4 not really"),
    "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path not in PAGES:
            self.send_error(404)
            return
        content_type, body = PAGES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def bad_site():
    server = ThreadingHTTPServer(("127.0.2.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://bad-pages.test:{server.server_port}/", {"bad-pages.test": "127.0.2.1"}
    server.shutdown()


def test_unusable_pages_are_skipped_with_reasons_and_the_crawl_goes_on(bad_site, tmp_path):
    home, hosts = bad_site
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[sites]]\nname = "Bad pages"\nurl = "{home}"\n')
    db = tmp_path / "bad.db"
    result = crosspost(
        "crawl",
        str(sites),
        "--db",
        str(db),
        *FAST,
        "-s",
        f"CROSSPOST_HOSTS={json.dumps(hosts)}",
        "-s",
        "DOWNLOAD_MAXSIZE=200000",
        "-s",
        "RETRY_TIMES=0",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    store = Store(db)
    assert store.known_urls() == {home + "good"}
    stats = json.loads(list(store.db["crawl_runs"].rows)[0]["stats"])
    reasons = {
        k.split("/", 2)[2]: v
        for k, v in stats.items()
        if k.startswith(("crosspost/dropped/", "crosspost/skipped/"))
    }
    assert reasons.get("empty") == 1, reasons
    assert reasons.get("binary") == 1, reasons
    assert reasons.get("not-html") == 1, reasons
    assert reasons.get("too-large") == 1, reasons
    assert reasons.get("bad-encoding", 0) + reasons.get("no-main-text", 0) == 1, reasons
    assert reasons.get("http-404") == 1  # /missing: a broken link of the site, not our error
    assert "crosspost/errors" not in stats


CRAWL_WITH_BROKEN_PATTERN = """
import json, sys
from crawler.runner import run_crawl
from crawler.sitelist import SiteConfig
from crosspost.cli import setup_logging
from dedupe.store import Store

setup_logging(verbose=False)

# sites.toml refuses such a pattern; built here directly, it stands for any bug in the pipeline.
site = SiteConfig(name="Bad pages", url=sys.argv[1], boilerplate=("^Support (our",))
overrides = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 0,
             "DOWNLOAD_MAXSIZE": 200000,
             "CROSSPOST_HOSTS": json.loads(sys.argv[3])}
stats = run_crawl([site], Store(sys.argv[2]), overrides)
print(json.dumps({k: v for k, v in stats.items() if k.startswith("crosspost/errors")}))
"""


def test_a_failing_pipeline_is_counted_and_logged_without_the_page(bad_site, tmp_path):
    home, hosts = bad_site
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CRAWL_WITH_BROKEN_PATTERN,
            home,
            str(tmp_path / "x.db"),
            json.dumps(hosts),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    errors = json.loads(result.stdout.splitlines()[-1])
    assert errors.get("crosspost/errors/pipeline-InputError", 0) >= 1, errors
    assert f"Error processing {home}good" in result.stderr
    assert "parish council" not in result.stderr  # the page's text is not in the log
