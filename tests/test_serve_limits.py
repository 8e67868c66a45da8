"""`crosspost serve` under hostile queries: no single GET may take the server's memory or time."""

from __future__ import annotations

import re
import resource
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from test_web import build_database

from crosspost import limits

A_4MB = "printf('%.*c', 4194000, 'a')"
ROWS_2000 = "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2000) SELECT n FROM r)"
# Each was seen to grow the server by gigabytes or to run past the 5 s time limit, or is one
# SQLite function whose cost is quadratic in its arguments (minutes on values of a few MB).
HOSTILE = [
    "select zeroblob(1000000000)",
    "select length(randomblob(1000000000))",
    "select length(printf('%.*c', 1000000000, 'x'))",
    "select length(format('%!.1000000000c', 'x'))",
    f"select instr({A_4MB}, printf('%.*c', 2000000, 'a') || 'b')",
    f"select length(replace({A_4MB}, printf('%.*c', 100000, 'a') || 'b', 'x'))",
    "select length(trim(printf('%.*c', 1000000, 'a'), printf('%.*c', 1000000, 'b') || 'a'))",
    f"select {A_4MB} like ('%' || printf('%.*c', 97, 'a') || 'b%')",
    f"select {A_4MB} like ('%' || printf('%.*c', 20000, 'a') || 'b%')",
    f"select randomblob(4000000) from {ROWS_2000}",
    f"select length(group_concat(randomblob(1000000))) from {ROWS_2000}",
]
TIME_LIMIT_S = 5  # crosspost.serve.SETTINGS["sql_time_limit_ms"]
GRACE_S = 7  # a loaded machine's slack on top of it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cap_memory() -> None:
    # a guard for the test machine: without the limits the server grew to 23 GB
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build_database(tmp_path_factory.mktemp("limits") / "spread.db")
    port = _free_port()
    log = db.parent / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "crosspost", "serve", str(db), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_cap_memory,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/-/versions.json", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base, process
    process.terminate()
    process.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def test_hostile_queries_are_bounded_in_time_and_memory(server):
    base, process = server

    def ask(sql: str) -> tuple[str, int, float, int]:
        start = time.perf_counter()
        try:
            response = httpx.get(
                f"{base}/spread.json?_shape=array&sql={quote(sql)}",
                timeout=TIME_LIMIT_S + GRACE_S + 20,
            )
        except httpx.HTTPError as err:
            return sql, 0, time.perf_counter() - start, len(str(err))
        return sql, response.status_code, time.perf_counter() - start, len(response.content)

    for sql, status, seconds, size in map(ask, HOSTILE):
        assert status in (200, 400), (sql, status)
        assert seconds < TIME_LIMIT_S + GRACE_S, (sql, seconds)
        assert size < 10_000, (sql, size)
    assert process.poll() is None
    assert peak_rss_mb(process.pid) < 600
    # and the server still answers everyone else
    assert httpx.get(f"{base}/spread/articles.json", timeout=30).status_code == 200


def test_one_query_returns_at_most_the_result_budget(server):
    base, _ = server
    sql = quote(f"select randomblob(1000000) as b from {ROWS_2000}")
    response = httpx.get(f"{base}/spread.json?sql={sql}&_size=max", timeout=60)
    assert response.status_code == 400
    assert "query results over 64 MB" in response.json()["error"]


def test_replaced_functions_answer_as_sqlite_does(server):
    """printf, format, instr, replace and trim agree with SQLite's own on ordinary values."""
    base, _ = server
    cases = [
        "printf('%5.2f|%-4d|%s|%q|%c|%.*s|%05d|%!.3c', 3.14159, 42, 'ok', 'it''s', 'xyz', 2, 'abcd', -7, 'r')",
        "format('%d %%', 12)",
        "printf(NULL)",
        "printf('%s', NULL)",
        "instr('hello', 'll')",
        "instr('hello', 'z')",
        "instr('héllo wörld', 'wö')",
        "instr(x'00010203', x'0203')",
        "instr(12345, 34)",
        "instr(NULL, 'a')",
        "replace('banana', 'an', 'AN')",
        "replace('banana', '', 'x')",
        "replace('aaa', 'a', '')",
        "replace(1212, 2, 3)",
        "replace('x', NULL, 'y')",
        "trim('xxhixx', 'x')",
        "ltrim('xyxhi', 'xy')",
        "rtrim('hi!?!', '!?')",
        "trim('  hi  ')",
        "trim(12300, 0)",
        "trim('aXa', '')",
    ]
    for case in cases:
        expected = sqlite3.connect(":memory:").execute(f"select {case}").fetchone()[0]
        response = httpx.get(f"{base}/spread.json?_shape=array&sql={quote(f'select {case} as v')}")
        assert response.status_code == 200, (case, response.text)
        found = response.json()[0]["v"]
        if isinstance(expected, bytes):
            continue  # JSON carries blobs encoded; none of the cases answers one
        assert found == expected, case


def test_sqlite_heap_limit_stops_a_query_that_needs_more():
    code = """
import sqlite3
from crosspost.limits import limit_sqlite_heap
limit_sqlite_heap(64 * 2**20)
conn = sqlite3.connect(":memory:")
try:
    rows = "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100) SELECT n FROM r)"
    conn.execute(f"select length(group_concat(randomblob(1000000))) from {rows}").fetchone()
except MemoryError:  # SQLITE_NOMEM, as sqlite3 reports it
    print("refused: out of memory")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("refused:"), done.stdout + done.stderr


def test_limits_are_set_on_each_connection():
    conn = sqlite3.connect(":memory:")
    limits.limit_connection(conn)
    assert conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) == limits.MAX_VALUE_BYTES
    with pytest.raises(sqlite3.DataError):
        conn.execute("select zeroblob(?)", [limits.MAX_VALUE_BYTES + 1]).fetchone()
    assert conn.execute("select printf('%.*c', 1000000000, 'x')").fetchone()[0] is None
