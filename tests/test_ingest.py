"""Batched JSON-lines import: broken lines, known and repeated URLs, audit rows, FTS, kill -9."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dedupe.ingest import import_jsonl
from dedupe.store import Store

FOOTER = "The original source of this article is The Lantern Gazette"


def record(n: int, site: str = "a.test", **extra) -> dict:
    """An invented article whose body names `n`, with a known boilerplate footer."""
    text = f"Quillmoor council weighed bridge plan {n} on tuesday.\nFerries ran late.\n{FOOTER}"
    return {"url": f"https://{site}/news/{n}", "title": f"Bridge plan {n}", "text": text, **extra}


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    with path.open("wb") as out:
        for line in lines:
            out.write((line if isinstance(line, bytes) else line.encode()) + b"\n")
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_batches_keep_good_lines_report_broken_ones_and_count_repeats(tmp_path):
    source = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps(record(1)),
            '{"url": "https://a.test/news/2", "title": ',
            json.dumps(record(3, site="b.test")),
            "",
            b'{"url": "https://a.test/news/5", "text": "caf\xe9"}',
            json.dumps(record(1)),  # repeated from an earlier batch
            json.dumps(record(7)),
            json.dumps(record(10)),
            json.dumps([1, 2]),
            json.dumps({**record(10), "url": "https://a.test/news/10#comments"}),  # same batch
            json.dumps({**record(3, site="b.test"), "url": "https://b.test/news/3?utm_source=x"}),
        ],
    )
    store = Store(tmp_path / "x.db")
    seen = []
    report = import_jsonl(store, source, progress=lambda r: seen.append(r.lines), batch_size=3)
    assert (report.added, report.known) == (4, 3)
    assert report.errors == [
        (2, "not valid JSON (Expecting value at column 43)"),
        (5, "not UTF-8 text (byte 46)"),
        (9, "expected a JSON object"),
    ]
    assert seen == [3, 7, 10, 11]  # after each batch of three non-blank lines
    assert store.known_urls() == {f"https://a.test/news/{n}" for n in (1, 7, 10)} | {
        "https://b.test/news/3"
    }
    # imported sites are created as not crawled
    assert rows(store.path, "SELECT id, crawled FROM sites ORDER BY id") == [
        ("a.test", 0),
        ("b.test", 0),
    ]
    # the footer is out of the text, kept in the audit, and not searchable
    article = next(a for a in store.iter_articles() if a["url"].endswith("/7"))
    assert FOOTER not in article["text"] and FOOTER in article["raw_text"]
    assert article["word_count"] == len(article["text"].split())
    assert store.stripped_by_article([article["id"]]) == {
        article["id"]: [(FOOTER, "original-source")]
    }
    assert rows(store.path, "SELECT COUNT(*) FROM stripped") == [(4,)]
    hits = rows(store.path, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'ferries'")
    assert len(hits) == 4
    assert (
        rows(store.path, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'lantern'") == []
    )


def test_batch_size_does_not_change_what_is_stored(tmp_path):
    source = write_lines(
        tmp_path / "in.jsonl",
        [json.dumps(record(n, site=f"s{n % 3}.test")) for n in range(25)]
        + [json.dumps(record(n, site=f"s{n % 3}.test")) for n in range(0, 25, 4)],
    )

    def stored(batch_size: int) -> list[tuple]:
        db = tmp_path / f"{batch_size}.db"
        with Store(db) as store:
            report = import_jsonl(store, source, batch_size=batch_size)
            assert (report.added, report.known, report.errors) == (25, 7, [])
        return rows(
            db,
            "SELECT a.id, a.url, a.site, a.title, a.text, a.raw_text, a.word_count, "
            "group_concat(s.text || '|' || s.reason) FROM articles a "
            "LEFT JOIN stripped s ON s.article_id = a.id GROUP BY a.id ORDER BY a.id",
        )

    one_by_one = stored(1)
    assert stored(4) == one_by_one
    assert stored(5) == one_by_one


def test_reimport_adds_only_what_is_missing(tmp_path):
    lines = [json.dumps(record(n)) for n in range(12)]
    store = Store(tmp_path / "x.db")
    first = import_jsonl(store, write_lines(tmp_path / "half.jsonl", lines[:5]), batch_size=2)
    assert (first.added, first.known) == (5, 0)
    again = import_jsonl(store, write_lines(tmp_path / "all.jsonl", lines), batch_size=2)
    assert (again.added, again.known, again.errors) == (7, 5, [])
    assert store.article_count() == 12
    assert rows(store.path, "SELECT COUNT(*) FROM stripped") == [(12,)]


def test_add_articles_returns_ids_creates_sites_and_keeps_crawled_ones(tmp_path):
    store = Store(tmp_path / "x.db")
    store.upsert_site("a.test", "Alpha News", "https://a.test/", "origin")
    first = store.add_article({"url": "https://a.test/0", "site": "a.test", "text": "zero"})
    ids = store.add_articles(
        [
            ({"url": "https://a.test/0", "site": "a.test", "text": "again"}, []),
            ({"url": "https://a.test/1", "site": "a.test", "text": "one"}, [("Share", "share")]),
            ({"url": "https://c.test/1", "site": "c.test", "text": "see"}, []),
            ({"url": "https://a.test/1", "site": "a.test", "text": "repeat"}, []),
        ]
    )
    assert ids == [None, first + 1, first + 2, None]
    sites = {s["id"]: s for s in store.sites()}
    assert (sites["a.test"]["name"], sites["a.test"]["role"], sites["a.test"]["crawled"]) == (
        "Alpha News",
        "origin",
        1,
    )
    assert (sites["c.test"]["name"], sites["c.test"]["crawled"]) == ("c.test", 0)
    assert store.stripped_by_article([first + 1]) == {first + 1: [("Share", "share")]}
    assert store.stored_urls(["https://c.test/1", "https://c.test/2"]) == {"https://c.test/1"}


def test_add_articles_is_all_or_nothing(tmp_path):
    store = Store(tmp_path / "x.db")
    with pytest.raises(sqlite3.ProgrammingError):
        store.add_articles(
            [
                ({"url": "https://d.test/1", "site": "d.test", "text": "fine"}, []),
                ({"url": "https://d.test/2", "site": "d.test", "title": {"not": "text"}}, []),
            ]
        )
    assert store.article_count() == 0
    assert store.sites() == []


def test_import_killed_midway_leaves_whole_batches_and_reruns_to_completion(tmp_path):
    total = 6_000
    source = tmp_path / "big.jsonl"
    pad = "Harbour pilots logged the crossings past the grey breakwater at dawn. " * 18
    lines = []
    for n in range(total):
        article = record(n, site=f"s{n % 7}.test")
        lines.append(json.dumps({**article, "text": f"{pad}\n{article['text']}"}))
    write_lines(source, lines)
    db = tmp_path / "x.db"
    command = [sys.executable, "-m", "crosspost", "import", str(source), "--db", str(db)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 60
    try:
        while stored == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
            try:
                stored = rows(db, "SELECT COUNT(*) FROM articles")[0][0]
            except sqlite3.Error:
                continue  # not created yet
        process.send_signal(signal.SIGKILL)
    finally:
        process.communicate()
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"

    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    articles = rows(db, "SELECT COUNT(*) FROM articles")[0][0]
    assert 0 < articles < total and articles % 2000 == 0  # whole batches only
    assert rows(db, "SELECT COUNT(*) FROM stripped") == [(articles,)]
    assert rows(db, "SELECT COUNT(*) FROM articles_fts") == [(articles,)]

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr == ""
    added = total - articles
    assert f"imported {added} articles ({articles} already stored, 0 broken lines)" in (
        rerun.stdout
    )
    assert rows(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles") == [(total, total)]
    assert rows(db, "SELECT COUNT(*) FROM stripped") == [(total,)]
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
    conn.close()
    assert rows(db, "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'ferries'") == [
        (total,)
    ]


PEAK_RSS_OF_CLUSTER = """
import resource, sys
from crosspost.cli import main
try:
    main(["cluster", "--db", sys.argv[1]])
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_a_very_long_article_is_cut_with_a_note_and_clusters_in_bounded_memory(tmp_path):
    """One imported article of 8 MB: stored up to MAX_TEXT_CHARS with a "too-long" note saying
    how much was cut; `crosspost cluster` had taken 2.7 GB for one of 20 MB."""
    import random

    from dedupe.store import MAX_TEXT_CHARS, TOO_LONG

    rng = random.Random(7)
    words = [f"w{n}" for n in range(5000)]
    paragraphs = [" ".join(rng.choices(words, k=60)) for _ in range(30_000)]
    long_text = "\n".join(paragraphs)
    assert len(long_text) > 8 * MAX_TEXT_CHARS
    data = write_lines(
        tmp_path / "in.jsonl",
        [json.dumps({"url": "https://big.test/1", "title": "Big", "text": long_text})]
        + [json.dumps(record(n)) for n in range(5)],
    )
    db = tmp_path / "x.db"
    done = subprocess.run(
        [sys.executable, "-m", "crosspost", "import", str(data), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"1 cut to {MAX_TEXT_CHARS:,} characters" in done.stdout
    [(raw, text)] = rows(db, "SELECT length(raw_text), length(text) FROM articles WHERE id = 1")
    assert raw == MAX_TEXT_CHARS and 0 < text <= MAX_TEXT_CHARS
    cut = len(long_text) - MAX_TEXT_CHARS
    note = f"[{cut:,} characters after the first {MAX_TEXT_CHARS:,} not stored]"
    assert rows(db, "SELECT article_id, text, reason FROM stripped WHERE reason = 'too-long'") == [
        (1, note, TOO_LONG)
    ]
    measured = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_OF_CLUSTER, str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    peak_mb = int(measured.stdout.strip().splitlines()[-1])
    assert peak_mb < 450, measured.stdout + measured.stderr
    with Store(db) as store:  # stripping again keeps the note: the raw text is still cut
        store.set_texts([(1, "kept", [("Share this", "share-prompt")])])
        assert {reason for _, reason in store.stripped_by_article([1])[1]} == {
            "share-prompt",
            TOO_LONG,
        }


def test_texts_stored_before_the_cut_are_read_cut(tmp_path):
    with Store(tmp_path / "x.db") as store:
        store.upsert_site("a.test")
        store.db.conn.execute(  # as an older crosspost stored it
            "INSERT INTO articles (url, site, raw_text, text) VALUES (?, ?, ?, ?)",
            ["https://a.test/1", "a.test", "x" * 1_500_000, "y" * 1_200_000],
        )
        store.db.conn.commit()
        [row] = store.articles_by_id([1], ("id", "raw_text", "text"))
        assert (len(row["raw_text"]), len(row["text"])) == (1_000_000, 1_000_000)
        [row] = list(store.iter_articles(("raw_text",)))
        assert len(row["raw_text"]) == 1_000_000
        assert store.db.execute("SELECT length(raw_text) FROM articles").fetchone() == (1_500_000,)
