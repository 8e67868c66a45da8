"""Whether a page is kept must not depend on the order pages arrive in: a page that needs the
site's article URL shape waits until the crawl has read every feed and sitemap."""

from __future__ import annotations

import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import FAST, crosspost

from crosspost.demo.writer import Writer
from dedupe.store import Store


def notes_site(notes: int, sitemap_delay: float):
    """Short undated notes that declare nothing (their URL shape is all that says what they
    are), linked from the home page and listed by a sitemap that answers late."""
    writer = Writer(11)
    drafts = [writer.news("The Notes Desk") for _ in range(notes)]
    paths = [
        f"/notes/{n + 101}-{'-'.join(d.title.lower().split()[:4])}" for n, d in enumerate(drafts)
    ]
    paths = ["".join(c for c in p if c.isalnum() or c in "/-") for p in paths]

    def note(n: int) -> bytes:
        words = " ".join(" ".join(drafts[n].paragraphs).split()[:80])
        return (
            f"<html><head><title>{escape(drafts[n].title)}</title></head><body>"
            f'<header><a href="/">The Notes Desk</a></header><div class="post">'
            f"<h1>{escape(drafts[n].title)}</h1><p>{escape(words)}</p></div></body></html>"
        ).encode()

    def page(path: str) -> tuple[int, str, bytes]:
        if path == "/":
            # Short link texts: the home page's links say nothing of what they lead to.
            links = "".join(
                f'<li><a href="{p}">No. {n + 101}</a></li>' for n, p in enumerate(paths)
            )
            return 200, "text/html", f"<html><body><ul>{links}</ul></body></html>".encode()
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow:\nSitemap: /sitemap.xml\n"
        if path == "/sitemap.xml":
            time.sleep(sitemap_delay)
            base = f"http://127.0.0.1:{server.server_port}"
            urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
            xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            return 200, "application/xml", f"<urlset {xmlns}>{urls}</urlset>".encode()
        if path in paths:
            return 200, "text/html", note(paths.index(path))
        return 404, "text/plain", b"not here"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            status, ctype, body = page(self.path)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, paths


def test_pages_waiting_for_the_url_shape_are_kept_when_the_sitemap_comes_late(tmp_path):
    server, paths = notes_site(5, sitemap_delay=2.0)
    try:
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[[sites]]\nname = "Notes"\nurl = "http://127.0.0.1:{server.server_port}/"\n'
        )
        db = tmp_path / "notes.db"
        # Extraction in the crawl process: the notes are decided as soon as they arrive.
        workers = ("-s", "CROSSPOST_EXTRACT_WORKERS=0")
        result = crosspost("crawl", str(sites), "--db", str(db), *FAST, *workers)
        assert result.returncode == 0, result.stderr[-2000:]
        stored = {url.split(str(server.server_port), 1)[1] for url in Store(db).known_urls()}
        assert stored == set(paths)
    finally:
        server.shutdown()
