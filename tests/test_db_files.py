"""Database files: a file that is not ours is never changed, only the commands that make databases
create one, reading needs no write access, and two processes may create one at the same time."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dedupe.errors import StoreError
from dedupe.store import MIGRATIONS, Store

CROSSPOST = [sys.executable, "-m", "crosspost"]


def start(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [*CROSSPOST, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crosspost: error: "), stderr
    return lines[0]


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file of the folder with a digest of its bytes."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def another_apps_database(path: Path, with_sites_table: bool = False) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO places (name) VALUES ('Harbour Street')")
    if with_sites_table:  # a name ours has too
        conn.execute("CREATE TABLE sites (id TEXT PRIMARY KEY, visits INTEGER)")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    return path


def test_no_command_changes_another_applications_sqlite_file(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text("[[sites]]\nurl = 'http://127.0.0.1:9/'\n")
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps({"url": "https://a.test/1", "text": "Some text."}) + "\n")
    data = tmp_path / "data"
    data.mkdir()
    places = another_apps_database(data / "places.db")
    shared = another_apps_database(data / "shared.db", with_sites_table=True)
    before = fingerprint(data)
    commands = [
        (places, ["export", "--db", str(places), "--format", "json", "-o", str(tmp_path / "o")]),
        (places, ["cluster", "--db", str(places)]),
        (places, ["import", str(lines), "--db", str(places)]),
        (places, ["crawl", str(sites), "--db", str(places)]),
        (places, ["serve", str(places), "--port", "0"]),
        (shared, ["export", "--db", str(shared), "--format", "gexf", "-o", str(tmp_path / "o")]),
        (shared, ["run", str(sites), "--db", str(shared)]),
        (shared, ["cluster", "--db", str(shared)]),
    ]
    runs = [start(*args) for _, args in commands]  # side by side: each imports its libraries
    for (db, args), run in zip(commands, runs, strict=True):
        code, _, stderr = finish(run)
        assert code == 2, (args, stderr)
        assert f"{db} is not a crosspost database" in one_line_error(stderr), args
    assert fingerprint(data) == before  # same files (no -wal, -shm or .lock), same bytes
    conn = sqlite3.connect(places)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_only_commands_that_make_a_database_create_one(tmp_path):
    typo = tmp_path / "typo.db"
    runs = [
        start("cluster", "--db", str(typo)),
        start("export", "--db", str(typo), "--format", "json", "-o", str(tmp_path / "x.json")),
    ]
    for run in runs:
        code, _, stderr = finish(run)
        assert code == 2 and f"database {typo} not found" in one_line_error(stderr)
    assert list(tmp_path.iterdir()) == []  # no database, no lock file, no output
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(StoreError, match="empty file, not a crosspost database"):
        Store(empty, create=False)
    with pytest.raises(StoreError, match="empty file"):
        Store.open_read_only(empty)
    with Store(empty) as store:  # an empty file is a fine place to create one
        assert store.schema_version == len(MIGRATIONS)


def _small_database(path: Path) -> Path:
    with Store(path) as store:
        for site in ("a.test", "b.test"):
            store.upsert_site(site)
        ids = [
            store.add_article({"url": f"https://{site}/1", "site": site, "title": "Ferry"})
            for site in ("a.test", "b.test")
        ]
        store.replace_clusters(
            [{"id": 1, "origin_article_id": ids[0], "size": 2, "sites": 2}],
            [
                {"cluster_id": 1, "article_id": ids[0], "kind": "origin"},
                {"cluster_id": 1, "article_id": ids[1], "kind": "copy"},
            ],
            [
                {
                    "cluster_id": 1,
                    "source_article_id": ids[0],
                    "target_article_id": ids[1],
                    "evidence": "canonical",
                    "confidence": 0.95,
                    "lag_hours": 2.0,
                }
            ],
            next_id=2,
        )
    return path


def without_root_powers() -> list[str]:
    """A command prefix under which root, too, is refused files it may not write (or [])."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file would still be writable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


def test_export_reads_a_database_it_may_not_write(tmp_path):
    """A read-only file in a read-only folder (export had refused it, though it only reads)."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    db = _small_database(folder / "spread.db")
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        before = fingerprint(folder)
        prefix = without_root_powers()
        probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(db)!r}, 'a')"])
        assert probe.returncode != 0  # the export below cannot write it either
        for fmt in ("json", "gexf"):
            target = tmp_path / f"spread.{fmt}"
            export = [*CROSSPOST, "export", "--db", str(db), "--format", fmt, "-o", str(target)]
            done = subprocess.run([*prefix, *export], capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            assert "2 nodes, 1 edges" in done.stdout
        assert (
            json.loads((tmp_path / "spread.json").read_text())["links"][0]["evidence"]
            == "canonical"
        )
        assert fingerprint(folder) == before
    finally:
        folder.chmod(0o755)


OPEN_AT = """
import sys, time
from dedupe.store import Store
path, when = sys.argv[1], float(sys.argv[2])
while time.time() < when:
    pass
Store(path).close()
"""


def test_two_processes_creating_one_database_at_once(tmp_path):
    """Both open a new file at the same instant: neither may find the other's tables in its way
    ("table sites already exists" in 6 of 40 such processes before)."""
    pairs = 10
    when = time.time() + 2.0
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT, str(tmp_path / f"new{n}.db"), str(when + n * 0.2)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(pairs)
        for _ in range(2)
    ]
    failures = [run.communicate(timeout=120)[1] for run in runs]
    assert [f for f in failures if f] == []
    for n in range(pairs):
        with Store.open_read_only(tmp_path / f"new{n}.db") as store:
            assert store.schema_version == len(MIGRATIONS)
            assert store.db["articles_fts"].exists()


@pytest.fixture
def one_page_site(tmp_path):
    """A site of one page without links, served on loopback: a crawl of it is short and clean."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text("<html><head><title>Home</title></head><body></body></html>")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    handler = functools.partial(QuietHandler, directory=str(root))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        sites = tmp_path / "sites.toml"
        sites.write_text(f"[[sites]]\nurl = 'http://127.0.0.1:{server.server_port}/'\n")
        yield sites
        server.shutdown()


QUICK = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CROSSPOST_EXTRACT_WORKERS": 0}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_two_runs_on_a_new_database_the_loser_gets_the_lock_message(tmp_path, one_page_site):
    """Both start at once on a file that does not exist yet: one runs, the other stops with the
    lock message and exit 75 ("table sites already exists" in 1 of 10 such pairs before)."""
    pairs = 3
    quick = [arg for name, value in QUICK.items() for arg in ("-s", f"{name}={value}")]
    runs = [
        start("run", str(one_page_site), "--db", str(tmp_path / f"new{n}.db"), *quick)
        for n in range(pairs)
        for _ in range(2)
    ]
    results = [finish(run) for run in runs]
    for n in range(pairs):
        pair = sorted(results[2 * n : 2 * n + 2], key=lambda result: result[0])
        (code, stdout, stderr), (locked_code, _, locked_err) = pair
        assert locked_code == 75, locked_err
        assert "another run is using" in one_line_error(locked_err)
        assert code == 0 and "crawled 1 sites" in stdout, stderr
