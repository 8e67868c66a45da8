"""A crawl's memory stays bounded whatever a site sends: a gzip bomb as a sitemap, a sitemap of
200,000 URLs. A real crawl process against a real server on loopback; its peak RSS is read by a
small parent process that runs it and asks the kernel (getrusage of its waited-for children)."""

from __future__ import annotations

import contextlib
import gzip
import json
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FAST

from crawler.discovery import SITEMAP_MAXURLS
from dedupe.store import Store

LIMIT_BYTES = 1024**3  # the bound for the whole crawl process
BOMB_BYTES = 1200 * 1024**2  # what the bomb grows to: more than the bound by itself
BIG_SITEMAP_URLS = 200_000
MAX_PAGES = 40

# Runs the command line as a child and prints the child's peak RSS in KiB (Linux ru_maxrss):
# the largest of the crawl process and its extraction workers, none of this test's own memory.
PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "crosspost", *sys.argv[1:]], capture_output=True,
                      text=True)
sys.stderr.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def gzip_bomb(size: int) -> bytes:
    """gzip members of blank space, concatenated (valid gzip) until they inflate to `size`."""
    member_size = 1024**2
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip member
    member = compressor.compress(b" " * member_size) + compressor.flush()
    head = gzip.compress(b"<?xml version='1.0' encoding='UTF-8'?>\n<urlset>")
    return head + member * (size // member_size)


def article(number: int) -> bytes:
    paragraphs = "".join(
        f"<p>Story {number}: the quay wall at Lowfield was inspected on Tuesday, and the divers "
        f"found {n} more cracks than the survey of last winter had recorded.</p>"
        for n in range(2, 9)
    )
    return (
        f"<!DOCTYPE html><html><head><title>Quay story {number}</title>"
        f"<meta property='og:type' content='article'></head><body><article>"
        f"<h1>Quay story {number}</h1>{paragraphs}</article></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    """Two sites on one address: bomb.test lists gzip bombs as sitemaps, bigmap.test a sitemap of
    200,000 story URLs. bodies: (host, path) -> (content type, extra headers, body)."""

    bodies: dict[tuple[str, str], tuple[str, dict[str, str], bytes]] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        host = (self.headers.get("Host") or "").split(":")[0]
        if self.path.startswith("/story/"):
            content_type, headers, body = "text/html", {}, article(int(self.path.split("/")[2]))
        elif (host, self.path) in self.bodies:
            content_type, headers, body = self.bodies[host, self.path]
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_hostile_sites():
    """{site name: home page URL} and the host map of the two sites."""
    server = ThreadingHTTPServer(("127.0.3.9", 0), Handler)
    homes = {name: f"http://{name}:{server.server_port}/" for name in ("bomb.test", "bigmap.test")}
    urls = "".join(
        f"<url><loc>{homes['bigmap.test']}story/{i}/</loc><lastmod>2026-11-03</lastmod></url>\n"
        for i in range(BIG_SITEMAP_URLS)
    )
    big = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>\n{urls}</urlset>\n"
    ).encode()
    bomb = gzip_bomb(BOMB_BYTES)
    home_page = ("text/html", {}, b"<html><body><p>Quay news.</p></body></html>")
    Handler.bodies = {
        ("bomb.test", "/"): home_page,
        ("bomb.test", "/robots.txt"): (
            "text/plain",
            {},
            f"Sitemap: {homes['bomb.test']}sitemap.xml.gz\n"
            f"Sitemap: {homes['bomb.test']}encoded.xml\n".encode(),
        ),
        # The file is gzip (the crawler inflates it), or the transfer is (Scrapy inflates it).
        ("bomb.test", "/sitemap.xml.gz"): ("application/x-gzip", {}, bomb),
        ("bomb.test", "/encoded.xml"): ("application/xml", {"Content-Encoding": "gzip"}, bomb),
        ("bigmap.test", "/"): home_page,
        ("bigmap.test", "/robots.txt"): (
            "text/plain",
            {},
            f"Sitemap: {homes['bigmap.test']}sitemap.xml.gz\n".encode(),
        ),
        ("bigmap.test", "/sitemap.xml.gz"): ("application/x-gzip", {}, gzip.compress(big, 6)),
    }
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield homes, dict.fromkeys(homes, "127.0.3.9")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def hostile_sites():
    with serve_hostile_sites() as sites:
        yield sites


def crawl_measured(hostile_sites, name: str, tmp_path) -> tuple[dict, int, str]:
    """Crawl one of the sites: (its crawl stats, peak RSS in bytes, stderr)."""
    homes, hosts = hostile_sites
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[sites]]\nurl = "{homes[name]}"\nmax_pages = {MAX_PAGES}\n')
    db = tmp_path / "maps.db"
    args = ["crawl", str(sites), "--db", str(db), *FAST]
    args += ["-s", f"CROSSPOST_HOSTS={json.dumps(hosts)}", "-s", "RETRY_TIMES=0"]
    run = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *args], capture_output=True, text=True, timeout=300
    )
    returncode, peak_kib = map(int, run.stdout.split())
    assert returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    stats = json.loads(list(Store(db).db["crawl_runs"].rows)[-1]["stats"])
    stats["stored"] = len(Store(db).known_urls())
    return stats, peak_kib * 1024, run.stderr


def test_a_sitemap_gzip_bomb_is_cut_and_the_crawl_stays_under_1_gb(hostile_sites, tmp_path):
    stats, peak, _ = crawl_measured(hostile_sites, "bomb.test", tmp_path)
    assert peak < LIMIT_BYTES, f"peak RSS {peak / 1024**2:.0f} MiB"
    assert stats.get("crosspost/skipped/sitemap-too-large") == 1, stats  # the .gz file
    assert stats.get("crosspost/skipped/ignored") == 1, stats  # the gzip transfer (Scrapy's cut)


def test_a_200000_url_sitemap_keeps_the_crawl_under_1_gb(hostile_sites, tmp_path):
    stats, peak, stderr = crawl_measured(hostile_sites, "bigmap.test", tmp_path)
    assert peak < LIMIT_BYTES, f"peak RSS {peak / 1024**2:.0f} MiB"
    assert stats.get("crosspost/sitemaps") == 1, stats
    # Read up to sitemaps.org's 50,000 URLs, of which only max_pages were requested: the rest
    # never became queued requests.
    assert "over 50000 URLs" in stderr
    assert stats.get("crosspost/max_pages_reached/bigmap.test", 0) > SITEMAP_MAXURLS - 100
    assert stats["downloader/request_count"] <= MAX_PAGES + 5, stats
    assert stats["stored"] >= MAX_PAGES - 10, stats
