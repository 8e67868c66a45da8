"""What one request to `crosspost serve` may cost: bounds on every SQLite connection Datasette opens.

Datasette's own limits (sql_time_limit_ms, max_returned_rows) stop a query between the steps of
SQLite's virtual machine and cap the rows of a page; they do not stop one step that runs long or
builds a huge value: `select zeroblob(1000000000)` grew a server to 23 GB, and one printf call
ran 20 s past the time limit. So each connection gets (through the `prepare_connection` hook):

- no value, stored or computed, over MAX_VALUE_BYTES (SQLITE_LIMIT_LENGTH), and LIKE and GLOB
  patterns of at most MAX_LIKE_PATTERN characters (their cost is text length x pattern length);
- in place of the built-in functions whose one call can run for minutes on values within that
  limit, equivalents that cannot: printf/format refuse a width or precision over
  MAX_VALUE_BYTES (SQLite loops that many times for a %c whatever the length limit), and instr,
  replace, trim, ltrim and rtrim run in linear time (SQLite's are quadratic in their arguments);
- a row factory that stops a query once its rows' values add up to MAX_RESULT_BYTES, whatever
  the number of rows (Datasette fetches all rows of its own and the plugin's queries).

`limit_sqlite_heap` bounds the memory of SQLite itself (page caches, sorting, values being
built) for the whole process; `crosspost serve` calls it once. `plain_error_logs` stops Datasette
from rendering each failed request's traceback with all its local variables (about 1.5 s of CPU
holding the GIL, for every query a visitor makes fail or time out).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from typing import Any

from datasette import hookimpl

MAX_VALUE_BYTES = 4 * 2**20  # an article's text is stored up to 1,000,000 characters
MAX_LIKE_PATTERN = 100
MAX_RESULT_BYTES = 64 * 2**20
MAX_SQLITE_HEAP = 1 * 2**30

# A conversion of printf: flags, then width and precision (digits, or * for the next argument).
_CONVERSION = re.compile(r"%[-+ #!0,]*(\d+|\*)?(?:\.(\d+|\*)?)?")


class ResultTooLarge(sqlite3.OperationalError):
    """A query's rows are more than one request may return."""


def limit_sqlite_heap(limit: int = MAX_SQLITE_HEAP) -> None:
    """Cap the memory SQLite may allocate in this process (all connections together)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"PRAGMA hard_heap_limit = {int(limit)}")
    finally:
        conn.close()


def plain_error_logs() -> None:
    """Datasette's error pages without rich's tracebacks (a 500 still logs a plain one)."""
    import datasette.handle_exception

    datasette.handle_exception.rich = None


class _Budget:
    """Row factory counting the bytes of the values of each cursor's rows."""

    def __init__(self, limit: int):
        self.limit = limit
        self.cursor: weakref.ref | None = None
        self.used = 0

    def __call__(self, cursor: sqlite3.Cursor, row: tuple) -> sqlite3.Row:
        if self.cursor is None or self.cursor() is not cursor:
            self.cursor, self.used = weakref.ref(cursor), 0
        self.used += sum(
            len(value) if isinstance(value, str | bytes) else 8 for value in row
        ) + 8 * len(row)
        if self.used > self.limit:
            raise ResultTooLarge(
                f"query results over {self.limit // 2**20} MB: ask for fewer rows or columns, "
                "or shorter values (substr)"
            )
        return sqlite3.Row(cursor, row)


# -- linear-time equivalents of SQLite's quadratic functions ---------------------------------------

_helpers = threading.local()


def _builtin(name: str, *args: Any) -> Any:
    """SQLite's own `name` on a private connection (for arguments that cannot be slow)."""
    conn = getattr(_helpers, "conn", None)
    if conn is None:
        conn = _helpers.conn = sqlite3.connect(":memory:")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    return conn.execute(f"SELECT {name}({', '.join('?' * len(args))})", args).fetchone()[0]


def _as_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _is_text(*values: Any) -> bool:
    return all(isinstance(v, str | bytes) for v in values)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def printf(fmt: Any = None, *args: Any) -> Any:
    """SQLite's printf, refusing a width or precision that would loop past the value limit."""
    if isinstance(fmt, str):
        sizes = [size for c in _CONVERSION.finditer(fmt) for size in c.groups() if size]
        if "*" in sizes:  # taken from the arguments: any large number may be one
            sizes += [a for a in args if not isinstance(a, bytes) and _is_number(a)]
        if any(size != "*" and abs(float(size)) > MAX_VALUE_BYTES for size in sizes):
            return None  # as SQLite's printf answers for a result over the length limit
    return _builtin("printf", fmt, *args)


def instr(haystack: Any, needle: Any) -> Any:
    if haystack is None or needle is None:
        return None
    if isinstance(haystack, bytes) and isinstance(needle, bytes):
        return haystack.find(needle) + 1
    if _is_text(haystack, needle):
        return _as_text(haystack).find(_as_text(needle)) + 1
    return _builtin("instr", haystack, needle)


def replace(text: Any, old: Any, new: Any) -> Any:
    if text is None or old is None or new is None:
        return None
    if not _is_text(text, old, new):
        return _builtin("replace", text, old, new)
    text, old, new = _as_text(text), _as_text(old), _as_text(new)
    if not old:
        return text
    if len(text) + text.count(old) * (len(new) - len(old)) > MAX_VALUE_BYTES:
        raise OverflowError  # sqlite3 answers "string or blob too big", as SQLite's replace
    return text.replace(old, new)


def _trimmer(name: str, left: bool, right: bool):
    def trim(text: Any, chars: Any) -> Any:
        if text is None or chars is None:
            return None
        if not _is_text(text, chars):
            return _builtin(name, text, chars)
        text, drop = _as_text(text), set(_as_text(chars))
        start, end = 0, len(text)
        while left and start < end and text[start] in drop:
            start += 1
        while right and end > start and text[end - 1] in drop:
            end -= 1
        return text[start:end]

    return trim


FUNCTIONS = {
    ("printf", -1): printf,
    ("format", -1): printf,
    ("instr", 2): instr,
    ("replace", 3): replace,
    ("trim", 2): _trimmer("trim", True, True),
    ("ltrim", 2): _trimmer("ltrim", True, False),
    ("rtrim", 2): _trimmer("rtrim", False, True),
}


def limit_connection(conn: sqlite3.Connection) -> None:
    """Apply the per-request bounds to one connection."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN)
    for (name, arity), function in FUNCTIONS.items():
        conn.create_function(name, arity, function, deterministic=True)
    conn.row_factory = _Budget(MAX_RESULT_BYTES)


@hookimpl
def prepare_connection(conn, database, datasette):
    limit_connection(conn)
