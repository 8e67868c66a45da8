"""WARC archives: a crawl with --warc keeps every response, and `crosspost import` reads them back.

One crawl of the sample web with --warc (small files, so that they rotate) serves the module.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import crawl_args, crosspost, write_sites
from warcio.archiveiterator import ArchiveIterator

from crosspost.demo.server import serve
from crosspost.demo.web import build_web
from dedupe.urls import clean_url

MAX_SIZE = 200_000  # bytes per WARC file: the sample web's crawl fills several


def warc_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.warc.gz"))


def read_records(folder: Path) -> list[dict]:
    """Every record of the folder's WARC files, read with warcio (digests checked)."""
    records = []
    for path in warc_files(folder):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                entry = {
                    "file": path.name,
                    "type": record.rec_type,
                    "id": record.rec_headers.get_header("WARC-Record-ID"),
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "concurrent": record.rec_headers.get_header("WARC-Concurrent-To"),
                }
                if record.rec_type == "response":
                    entry["status"] = int(record.http_headers.get_statuscode())
                    entry["body"] = record.content_stream().read()
                records.append(entry)
    return records


def rows(db: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """The sample web crawled with --warc: (folder, db, requests the web served, running web)."""
    web = build_web()
    folder = tmp_path_factory.mktemp("warc")
    with serve(web) as running:
        sites = write_sites(web, running, folder / "sites.toml")
        db = folder / "crawl.db"
        args = crawl_args(running, sites, db, "--warc", str(folder / "warc"))
        crawled = crosspost(*args, "-s", f"CROSSPOST_WARC_MAX_SIZE={MAX_SIZE}")
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        yield folder / "warc", db, list(running.requests), running


def test_crawl_archives_every_response_with_its_request(archived):
    folder, _db, served, _running = archived
    files = warc_files(folder)
    assert len(files) >= 3  # rotated by size
    assert all(path.stat().st_size < MAX_SIZE + 50_000 for path in files[:-1])
    records = read_records(folder)
    responses = [r for r in records if r["type"] == "response"]
    archived_responses = Counter(
        (urlsplit(r["uri"]).hostname, urlsplit(r["uri"]).path, r["status"])
        for r in responses
        if not urlsplit(r["uri"]).query
    )
    served_plain = Counter((host, path, status) for host, path, status in served if "?" not in path)
    assert archived_responses == served_plain
    assert len(responses) == len(served)  # with queries too
    statuses = Counter(r["status"] for r in responses)
    assert statuses == Counter(status for *_, status in served)
    assert set(statuses) - {200}  # answers that are not pages (missed probes...) are kept too
    assert any(r["uri"].endswith("/robots.txt") for r in responses)
    # every response has its request, tied to it
    requests = {r["concurrent"]: r for r in records if r["type"] == "request"}
    assert set(requests) == {r["id"] for r in responses}
    assert all(requests[r["id"]]["uri"] == r["uri"] for r in responses)


def test_each_article_row_names_its_warc_record(archived):
    folder, db, _served, _running = archived
    articles = rows(db, "SELECT url, warc_file, warc_record_id FROM articles")
    assert len(articles) > 100
    by_id = {r["id"]: r for r in read_records(folder) if r["type"] == "response"}
    for url, warc_file, record_id in articles:
        record = by_id[record_id]
        assert record["file"] == warc_file
        assert clean_url(record["uri"]) == url
        assert record["status"] == 200 and b"<html" in record["body"].lower()


def test_warc_option_refuses_a_file(tmp_path):
    (tmp_path / "sites.toml").write_text('[[sites]]\nurl = "http://127.0.0.1:9/"\n')
    (tmp_path / "afile").write_text("x")
    result = crosspost(
        "crawl", str(tmp_path / "sites.toml"), "--db", str(tmp_path / "x.db"), "--warc",
        str(tmp_path / "afile"),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("crosspost: error: --warc")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()
