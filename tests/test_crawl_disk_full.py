"""A full disk stops the crawl at once with one clear line and exit 1, and loses nothing.

The database lives on a real, small file system: a tmpfs mounted in a private mount namespace
(`unshare -rm`, so nothing is left mounted and no root is needed where user namespaces are
allowed). The crawl fills it; SQLite answers "database or disk is full" on the real write path.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FAST, crosspost

from dedupe.store import Store

ARTICLES = 150
TMPFS_SIZE = "900k"  # the empty database is about 160 KB; this holds some dozens of articles


def article(number: int) -> bytes:
    paragraphs = "".join(
        f"<p>Report {number}, part {n}: the tide gauge at pier {number * 7 + n} read "
        f"{number % 13 + n} centimetres above the chart datum on the {n}th, and the harbour "
        f"office logged {number * n % 97} small craft moving in the channel that day.</p>"
        for n in range(1, 30)
    )
    return (
        f"<!DOCTYPE html><html><head><title>Tide report {number}</title>"
        f"<meta property='og:type' content='article'></head><body><article>"
        f"<h1>Tide report {number}</h1>{paragraphs}</article></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    requested: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requested.append(self.path)
        if self.path == "/":
            links = "".join(
                f"<li><a href='/report/{i}/'>Report {i}</a></li>" for i in range(ARTICLES)
            )
            body = f"<html><body><ul>{links}</ul></body></html>".encode()
        elif self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
        elif self.path.startswith("/report/"):
            body = article(int(self.path.split("/")[2]))
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header(
            "Content-Type", "text/plain" if self.path.endswith(".txt") else "text/html"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def tide_site():
    Handler.requested = []
    server = ThreadingHTTPServer(("127.0.3.20", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://tides.test:{server.server_port}/", {"tides.test": "127.0.3.20"}
    server.shutdown()
    server.server_close()


def small_filesystem_works(mountpoint) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = f"mount -t tmpfs -o size=64k tmpfs {mountpoint} && test -w {mountpoint}"
    return (
        subprocess.run(["unshare", "-rm", "sh", "-c", probe], capture_output=True).returncode == 0
    )


def test_full_disk_stops_the_crawl_with_one_line_and_keeps_what_was_stored(tide_site, tmp_path):
    home, hosts = tide_site
    small = tmp_path / "small"
    small.mkdir()
    if not small_filesystem_works(small):
        pytest.skip("cannot mount a tmpfs in a private mount namespace here (unshare -rm)")
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[sites]]\nname = "Tides"\nurl = "{home}"\n')
    kept = tmp_path / "kept"
    kept.mkdir()
    crawl = [sys.executable, "-m", "crosspost", "crawl", str(sites), "--db", f"{small}/tides.db"]
    crawl += [*FAST, "-s", f"CROSSPOST_HOSTS={json.dumps(hosts)}", "-s", "RETRY_TIMES=0"]
    # Pages one at a time, extracted as they come: on loopback, downloads would otherwise all
    # be done before the first write, and there would be nothing left to stop.
    crawl += ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "CROSSPOST_EXTRACT_WORKERS=0"]
    # The crawl runs on the small file system; its database files are copied out afterwards
    # (the tmpfs goes with the namespace).
    script = (
        f'mount -t tmpfs -o size={TMPFS_SIZE} tmpfs "$1" && shift && "$@"; code=$?; '
        f'cp "{small}"/tides.db* "{kept}/"; exit $code'
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(small), *crawl],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("crosspost: error:")]
    assert len(errors) == 1, result.stderr[-3000:]
    assert "database or disk is full" in errors[0] and "run again" in errors[0]
    assert len(result.stderr) < 3000, result.stderr[-3000:]  # no page HTML, no repeated errors
    assert "finish reason: store-failed" in result.stdout

    # What was stored is whole and consistent, and the crawl stopped soon after the disk filled.
    db = kept / "tides.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = Store(db)
    stored = store.known_urls()
    assert 0 < len(stored) < ARTICLES
    run = list(store.db["crawl_runs"].rows)[-1]
    assert run["status"] != "finished"
    fetched = [p for p in Handler.requested if p.startswith("/report/")]
    assert len(fetched) < min(len(stored) + 40, ARTICLES // 2), (len(fetched), len(stored))
    store.close()

    # With space again, the next run completes the work.
    again = crosspost(
        "crawl", str(sites), "--db", str(db), *FAST, "-s", f"CROSSPOST_HOSTS={json.dumps(hosts)}"
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert Store(db).known_urls() >= stored | {f"{home}report/{i}/" for i in range(ARTICLES)}
