"""The research database: schema, migrations, reads and writes (the only module that names tables).

The public schema (sites, articles, stripped, clusters, cluster_members, spread_edges, site_flows,
crawl_runs) is a promise to researchers; change it only by appending a migration. Tables whose
names start with an underscore are the pipeline's own working state.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from .errors import StoreError

# An article's texts are stored up to this many characters (some 170,000 words; the longest news
# pieces are a tenth of that), the rest cut with a stripped row of reason TOO_LONG saying how much:
# one imported article of 20 MB had made `crosspost cluster` take 2.7 GB. Reads for the pipeline
# are cut the same way, for texts stored before.
MAX_TEXT_CHARS = 1_000_000
TOO_LONG = "too-long"
TEXT_COLUMNS = ("raw_text", "text")

ARTICLE_COLUMNS = (
    "url",
    "site",
    "title",
    "author",
    "published",
    "published_source",
    "fetched_at",
    "canonical_url",
    "attribution_url",
    "attribution_name",
    "raw_text",
    "text",
    "word_count",
)

# site_flows from spread_edges in one pass: each site pair's pieces (clusters) and the median
# of its known lags (NULL when none is known). Schema 1 had a view that ranked a pair's lags
# again for every pair: 88 s at 50,000 articles, past Datasette's time limit.
SITE_FLOWS_SQL = """
    WITH flow AS (
        SELECT s.site AS source_site, t.site AS target_site, e.cluster_id, e.lag_hours
        FROM spread_edges e
        JOIN articles s ON s.id = e.source_article_id
        JOIN articles t ON t.id = e.target_article_id
    ), ranked AS (
        SELECT source_site, target_site, cluster_id, lag_hours,
               ROW_NUMBER() OVER (PARTITION BY source_site, target_site
                                  ORDER BY lag_hours IS NULL, lag_hours) AS rn,
               COUNT(lag_hours) OVER (PARTITION BY source_site, target_site) AS n
        FROM flow
    )
    SELECT source_site, target_site, COUNT(DISTINCT cluster_id) AS pieces,
           AVG(CASE WHEN lag_hours IS NOT NULL AND rn IN ((n + 1) / 2, (n + 2) / 2)
                    THEN lag_hours END) AS median_lag_hours
    FROM ranked
    GROUP BY source_site, target_site
"""

# Each entry moves the schema up one version (PRAGMA user_version). Append, never edit.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sites (
        id TEXT PRIMARY KEY,
        name TEXT,
        home_url TEXT,
        role TEXT,
        first_seen TEXT,
        last_crawled TEXT,
        crawled INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL REFERENCES sites(id),
        title TEXT,
        author TEXT,
        published TEXT,
        published_source TEXT,
        fetched_at TEXT,
        canonical_url TEXT,
        attribution_url TEXT,
        attribution_name TEXT,
        raw_text TEXT,
        text TEXT,
        word_count INTEGER
    );
    CREATE INDEX idx_articles_site ON articles(site);
    CREATE INDEX idx_articles_canonical ON articles(canonical_url);
    CREATE TABLE stripped (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        text TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE INDEX idx_stripped_article ON stripped(article_id);
    CREATE TABLE clusters (
        id INTEGER PRIMARY KEY,
        origin_article_id INTEGER REFERENCES articles(id),
        size INTEGER NOT NULL,
        sites INTEGER NOT NULL,
        first_published TEXT,
        last_published TEXT,
        title TEXT
    );
    CREATE TABLE cluster_members (
        cluster_id INTEGER NOT NULL REFERENCES clusters(id),
        article_id INTEGER NOT NULL UNIQUE REFERENCES articles(id),
        kind TEXT NOT NULL,
        similarity REAL,
        containment REAL
    );
    CREATE INDEX idx_members_cluster ON cluster_members(cluster_id);
    CREATE TABLE spread_edges (
        id INTEGER PRIMARY KEY,
        cluster_id INTEGER NOT NULL REFERENCES clusters(id),
        source_article_id INTEGER NOT NULL REFERENCES articles(id),
        target_article_id INTEGER NOT NULL REFERENCES articles(id),
        evidence TEXT NOT NULL,
        confidence REAL NOT NULL,
        lag_hours REAL
    );
    CREATE INDEX idx_edges_cluster ON spread_edges(cluster_id);
    CREATE TABLE crawl_runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        sites INTEGER,
        requests INTEGER,
        new_articles INTEGER,
        errors INTEGER,
        settings TEXT,
        status TEXT,
        stats TEXT
    );
    CREATE TABLE _meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE _pages (
        url TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        kind TEXT NOT NULL,
        status INTEGER,
        reason TEXT,
        fetched_at TEXT NOT NULL
    );
    CREATE INDEX idx_pages_site ON _pages(site);
    CREATE TABLE _signatures (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        params TEXT NOT NULL,
        hashvalues BLOB NOT NULL,
        prefix BLOB
    );
    CREATE TABLE _lsh (
        band INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        article_id INTEGER NOT NULL
    );
    CREATE INDEX idx_lsh_bucket ON _lsh(band, bucket);
    CREATE INDEX idx_lsh_article ON _lsh(article_id);
    CREATE TABLE _links (
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        resemblance REAL NOT NULL,
        containment REAL NOT NULL,
        kind TEXT NOT NULL,
        shorter INTEGER,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX idx_links_b ON _links(b);
    CREATE TABLE _boilerplate (
        key TEXT PRIMARY KEY,
        site TEXT,
        text TEXT NOT NULL,
        reason TEXT NOT NULL,
        pages INTEGER NOT NULL
    );
    CREATE VIEW site_flows AS
        WITH flow AS (
            SELECT s.site AS source_site, t.site AS target_site, e.cluster_id, e.lag_hours
            FROM spread_edges e
            JOIN articles s ON s.id = e.source_article_id
            JOIN articles t ON t.id = e.target_article_id
        ), ranked AS (
            SELECT source_site, target_site, lag_hours,
                   ROW_NUMBER() OVER (PARTITION BY source_site, target_site ORDER BY lag_hours) AS rn,
                   COUNT(*) OVER (PARTITION BY source_site, target_site) AS n
            FROM flow WHERE lag_hours IS NOT NULL
        )
        SELECT f.source_site, f.target_site, COUNT(DISTINCT f.cluster_id) AS pieces,
               (SELECT AVG(r.lag_hours) FROM ranked r
                WHERE r.source_site = f.source_site AND r.target_site = f.target_site
                  AND r.rn IN ((r.n + 1) / 2, (r.n + 2) / 2)) AS median_lag_hours
        FROM flow f
        GROUP BY f.source_site, f.target_site;
    """,
    # 2: notes from tracing the spread per member (a JSON list such as
    # ["claims-earlier-than-source"]), NULL when there are none.
    """
    ALTER TABLE cluster_members ADD COLUMN flags TEXT;
    """,
    # 3: per-site shingle counts kept by dedupe.pipeline for the site-repeat rule.
    """
    CREATE TABLE IF NOT EXISTS _site_shingles (
        site TEXT PRIMARY KEY,
        params TEXT NOT NULL,
        shingles BLOB NOT NULL,
        counts BLOB NOT NULL,
        digests BLOB NOT NULL
    );
    """,
    # 4: articles a cluster run must (re)sign and verify, kept until the run has finished with
    # them, so that a run killed midway redoes them instead of taking them as done.
    """
    CREATE TABLE IF NOT EXISTS _pending (article_id INTEGER PRIMARY KEY);
    """,
    # 5: site_flows becomes a table with the view's name and columns, rewritten with the spread
    # edges by replace_clusters (the view took 88 s at 50,000 articles).
    f"""
    DROP VIEW IF EXISTS site_flows;
    CREATE TABLE site_flows (
        source_site TEXT NOT NULL,
        target_site TEXT NOT NULL,
        pieces INTEGER NOT NULL,
        median_lag_hours REAL,
        PRIMARY KEY (source_site, target_site)
    );
    INSERT INTO site_flows (source_site, target_site, pieces, median_lag_hours) {SITE_FLOWS_SQL};
    """,
    # 6: the articles page Datasette opens sorts by published and facets by published_source:
    # without these indexes it sorted every article (2.7 s at 50,000 articles).
    """
    CREATE INDEX IF NOT EXISTS idx_articles_published ON articles(published);
    CREATE INDEX IF NOT EXISTS idx_articles_published_source ON articles(published_source);
    """,
    # 7: the crawl frontier: pages a crawl found and has not fetched yet, kept until fetched so
    # that the run after a killed one fetches them (hops: pages since one that led anywhere new).
    """
    CREATE TABLE IF NOT EXISTS _frontier (
        url TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        hops INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS idx_frontier_site ON _frontier(site);
    """,
    # 8: the evidence of an article: the WARC file and record its page was archived in (crawl
    # --warc, import of WARC files); NULL when it was not archived.
    """
    ALTER TABLE articles ADD COLUMN warc_file TEXT;
    ALTER TABLE articles ADD COLUMN warc_record_id TEXT;
    """,
    # 9: a site's role as its flows show it (dedupe.roles), kept beside the role sites.toml
    # gives; rewritten with site_flows.
    """
    ALTER TABLE sites ADD COLUMN inferred_role TEXT;
    """,
    # 10: LSH buckets as sorted segments, one row per cluster run (or slice of a first run)
    # instead of a row per bucket entry with two indexes: a first run at 10,000 articles wrote
    # 1.1 million rows. Articles say which segment holds their live entries. The old rows are
    # dropped with the index key, so the next run signs and indexes everything again.
    """
    DROP TABLE IF EXISTS _lsh;
    CREATE TABLE IF NOT EXISTS _lsh_segments (
        id INTEGER PRIMARY KEY,
        keys BLOB NOT NULL,
        bands BLOB NOT NULL,
        articles BLOB NOT NULL,
        size INTEGER NOT NULL  -- distinct articles: all alive while as many name the segment
    );
    CREATE TABLE IF NOT EXISTS _lsh_articles (article_id INTEGER PRIMARY KEY, segment INTEGER);
    DELETE FROM _meta WHERE key = 'index_key';
    """,
]
ROLES_MIGRATION = 9  # inferred roles are first computed when a database reaches it
ADD_COLUMN = re.compile(r"\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)", re.I)


# Where an article's page is archived (migration 8): written with it, not read by the pipeline.
EVIDENCE_COLUMNS = ("warc_file", "warc_record_id")
STORED_COLUMNS = ARTICLE_COLUMNS + EVIDENCE_COLUMNS
_ARTICLE_LIST = ", ".join(STORED_COLUMNS)
# New articles pass through a temporary table so that a batch is one INSERT statement: the FTS5
# index, fed by trigger, costs about half as much that way as with one statement per article
# (FTS5 writes its pending terms out at statement boundaries).
_CREATE_INCOMING = (
    f"CREATE TEMP TABLE IF NOT EXISTS _incoming (seq INTEGER PRIMARY KEY, {_ARTICLE_LIST})"
)
_INSERT_INCOMING = (
    f"INSERT INTO temp._incoming ({_ARTICLE_LIST}) "
    f"VALUES ({', '.join('?' for _ in STORED_COLUMNS)})"
)
_INSERT_ARTICLES = (
    f"INSERT OR IGNORE INTO articles ({_ARTICLE_LIST}) "
    f"SELECT {_ARTICLE_LIST} FROM temp._incoming ORDER BY seq RETURNING url, id"
)


LSH_SEGMENTS = 16  # LSH bucket segments kept before they are merged into one
_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: mixing a band into its buckets is invertible


def _lsh_key(bands: np.ndarray, buckets: np.ndarray) -> np.ndarray:
    """One int64 per (band, bucket): the bucket xor the band times an odd constant."""
    mixed = np.asarray(bands, dtype=np.uint64) * _BAND_MIX
    return (np.asarray(buckets, dtype=np.int64).view(np.uint64) ^ mixed).view(np.int64)


def _lsh_bucket(bands: np.ndarray, keys: np.ndarray) -> np.ndarray:
    return _lsh_key(bands, keys)  # xor undoes itself


# Tables every crosspost database has: a SQLite file without them belongs to someone else.
CORE_TABLES = frozenset(
    {"sites", "articles", "stripped", "clusters", "cluster_members", "spread_edges"}
)

# Full-text search over articles, as sqlite-utils' enable_fts(["title", "text"],
# create_triggers=True, tokenize="porter") writes it, run inside the migration's transaction.
_ARTICLES_FTS = """
CREATE VIRTUAL TABLE "articles_fts" USING FTS5 (
    "title", "text",
    tokenize='porter',
    content="articles"
);
INSERT INTO "articles_fts" (rowid, "title", "text") SELECT rowid, "title", "text" FROM articles;
CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
END;
CREATE TRIGGER "articles_au" AFTER UPDATE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
"""

_FTS_HASHSIZE = "INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', ?)"
FTS_DEFAULT_HASHSIZE = 1 << 20  # FTS5's own default
FTS_REBUILD_HASHSIZE = 32 << 20  # a full rebuild's pending terms (bytes)


def _select_list(columns: Iterable[str]) -> str:
    """Columns for a SELECT on articles, texts cut to MAX_TEXT_CHARS."""
    return ", ".join(
        f"substr({c}, 1, {MAX_TEXT_CHARS}) AS {c}" if c in TEXT_COLUMNS else c for c in columns
    )


def _statements(script: str) -> Iterator[str]:
    """The statements of an SQL script one by one (executescript would commit first)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \n;"):
        yield pending.strip()


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that writes nothing, even on a file or folder we may not write.

    A WAL database needs its -shm file, which SQLite cannot create in a read-only folder; when
    no -wal file is there either (the last writer closed cleanly), all of the data is in the
    main file and it can be read as immutable."""
    uri = _file_uri(path)
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as err:
        conn.close()
        cannot_share = (err.sqlite_errorname or "").startswith(
            ("SQLITE_READONLY", "SQLITE_CANTOPEN")
        )
        if not cannot_share or Path(f"{path}-wal").exists():
            raise
    return sqlite3.connect(f"{uri}?immutable=1", uri=True)


def _check_ours(path: Path, conn: sqlite3.Connection, allow_blank: bool) -> None:
    """Raise StoreError unless the open file is a crosspost database (or, with `allow_blank`,
    a file holding nothing yet). Only reads."""
    # one read transaction: another process may be creating the schema meanwhile
    in_transaction = conn.in_transaction
    if not in_transaction:
        conn.execute("BEGIN")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        if not in_transaction:
            conn.execute("COMMIT")
    if not names and version == 0:
        if allow_blank:
            return
        raise StoreError(
            f"{path} is an empty file, not a crosspost database: "
            "create one with crosspost crawl, run or import"
        )
    if version == 0 or not names >= CORE_TABLES:
        others = sorted(name for name in names - CORE_TABLES if not name.startswith("sqlite_"))
        held = f"it holds {', '.join(others[:5])}{', ...' if len(others) > 5 else ''}"
        raise StoreError(
            f"{path} is not a crosspost database ({held if others else 'schema version 0'}); "
            "it was left untouched: give a crosspost database or a new file name"
        )
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{path} has schema version {version}, newer than this crosspost "
            f"({len(MIGRATIONS)}): upgrade crosspost"
        )


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _sql_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def _article_row(article: dict[str, Any]) -> list[Any]:
    """Values for STORED_COLUMNS; fetched_at defaults to now, texts cut to MAX_TEXT_CHARS."""
    row = {column: article.get(column) for column in STORED_COLUMNS}
    row["fetched_at"] = row["fetched_at"] or now()
    for column in TEXT_COLUMNS:
        if isinstance(row[column], str):
            row[column] = row[column][:MAX_TEXT_CHARS]
    return [row[column] for column in STORED_COLUMNS]


def over_length(article: dict[str, Any]) -> int:
    """How many characters of the article's raw text go beyond MAX_TEXT_CHARS (0 if none)."""
    return max(0, len(article.get("raw_text") or "") - MAX_TEXT_CHARS)


def _cut_note(cut: int) -> tuple[str, str]:
    """The stripped row that says an article's text was cut."""
    return (f"[{cut:,} characters after the first {MAX_TEXT_CHARS:,} not stored]", TOO_LONG)


class Store:
    """One research database at `path`, opened for writing and migrated to this version.

    With `create` (the commands that make databases: crawl, run, import, demo) a missing or
    empty file becomes a new database; without it the file must already be one. Either way a
    SQLite file of another application is refused before anything is written to it.
    """

    # Live LSH segments, read on first lookup (also for a store opened read-only, as find does).
    _segments: list | None = None

    def __init__(self, path: str | os.PathLike, create: bool = True):
        self.path = Path(path)
        parent = self.path.parent
        if self.path.is_dir():
            raise StoreError(f"database {self.path} is a folder: give a file name inside it")
        if not parent.exists():
            doing = "cannot create database" if create else "no database"
            raise StoreError(f"{doing} {self.path}: folder {parent} does not exist")
        if not create and not self.path.exists():
            raise StoreError(f"database {self.path} not found: crawl or import first")
        if not parent.is_dir():
            raise StoreError(f"cannot create database {self.path}: {parent} is not a folder")
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise StoreError(f"cannot write database {self.path}: the file is read-only")
        if not self.path.exists() and not os.access(parent, os.W_OK):
            raise StoreError(f"cannot create database {self.path}: folder {parent} is not writable")
        try:
            # mode=rw never creates the file; rwc does (only for a missing file, checked above)
            mode = "rwc" if create else "rw"
            conn = sqlite3.connect(f"{_file_uri(self.path)}?mode={mode}", uri=True, timeout=30)
            self.db = sqlite_utils.Database(conn)
            try:
                _check_ours(self.path, conn, allow_blank=create)
            except StoreError:
                conn.close()
                raise
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.OperationalError as err:
            raise StoreError(
                f"cannot open database {self.path}: {err} (is its folder writable?)"
            ) from err
        except sqlite3.DatabaseError as err:
            raise StoreError(
                f"cannot open database {self.path}: {err} (is it a crosspost SQLite file?)"
            ) from err

    # -- schema -------------------------------------------------------------------------------

    def _schema_is_current(self) -> bool:
        return self.schema_version == len(MIGRATIONS) and self.db["articles_fts"].exists()

    def _migrate(self) -> None:
        """Bring the schema to this version in one IMMEDIATE transaction.

        The version is read again inside the transaction: two processes opening a new file at
        once both see version 0, and the second must find the first one's work done rather than
        create the tables again."""
        if self._schema_is_current():
            return
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self.schema_version
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this crosspost "
                    f"({len(MIGRATIONS)}): upgrade crosspost"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    if not self._column_exists(statement):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                if number == ROLES_MIGRATION:
                    self._refresh_roles()
            if not self.db["articles_fts"].exists():
                for statement in _statements(_ARTICLES_FTS):
                    conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise

    def _column_exists(self, statement: str) -> bool:
        """Whether `statement` adds a column the table has already (SQLite's ADD COLUMN has no
        IF NOT EXISTS: a file whose version was set back must still migrate)."""
        added = ADD_COLUMN.match(statement)
        if not added:
            return False
        table, column = added.groups()
        return any(row[1] == column for row in self.db.conn.execute(f"PRAGMA table_info({table})"))

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _insert_rows(self, table: str, rows: Iterable[dict], replace: bool = False) -> None:
        """Insert dicts (lists and dicts in them as JSON) inside the caller's transaction.

        Plain SQL on purpose: sqlite-utils' insert_all commits as it goes, which would end the
        caller's transaction halfway (a process killed then leaves half a replacement)."""
        rows = list(rows)
        if not rows:
            return
        columns = list(dict.fromkeys(column for row in rows for column in row))
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        self.db.conn.executemany(
            f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [[_sql_value(row.get(column)) for column in columns] for row in rows],
        )

    # -- meta ----------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM _meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._writing():
            self.db["_meta"].upsert({"key": key, "value": value}, pk="key")

    # -- sites ---------------------------------------------------------------------------------

    def upsert_site(
        self,
        site_id: str,
        name: str | None = None,
        home_url: str | None = None,
        role: str | None = None,
        crawled: bool = True,
    ) -> None:
        """Create the site if new; fill in name/home/role where given (a crawled site wins)."""
        with self._writing():
            self._upsert_site(site_id, crawled, name=name, home_url=home_url, role=role)

    def _upsert_site(self, site_id: str, crawled: bool, **given: str | None) -> None:
        """upsert_site inside the caller's transaction (plain SQL: sqlite-utils' writes commit).
        `given` holds name, home_url and role, each possibly None."""
        cursor = self.db.conn.execute("SELECT * FROM sites WHERE id = ?", [site_id])
        found = cursor.fetchone()
        if found is None:
            self.db.conn.execute(
                "INSERT INTO sites (id, name, home_url, role, first_seen, crawled) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    site_id,
                    given.get("name") or site_id,
                    given.get("home_url"),
                    given.get("role"),
                    now(),
                    int(crawled),
                ],
            )
            return
        existing = dict(zip([d[0] for d in cursor.description], found, strict=True))
        update: dict[str, Any] = {}
        if crawled:
            update["crawled"] = 1
        for column, value in given.items():
            if value and (crawled or not existing[column]):
                update[column] = value
        if update:
            self.db.conn.execute(
                f"UPDATE sites SET {', '.join(f'{c} = ?' for c in update)} WHERE id = ?",
                [*update.values(), site_id],
            )

    def mark_crawled(self, site_id: str) -> None:
        with self._writing():
            self.db["sites"].update(site_id, {"last_crawled": now()})

    def sites(self) -> list[dict]:
        return list(self.db["sites"].rows)

    # -- articles ------------------------------------------------------------------------------

    def add_article(
        self, article: dict[str, Any], removed: Iterable[tuple[str, str]] = ()
    ) -> int | None:
        """Insert one article (keys of ARTICLE_COLUMNS) and the audit of what stripping removed
        from it, in one transaction; returns its id, or None if the URL is known."""
        with self._writing():
            return self._insert_articles([(article, removed)])[0]

    def add_articles(
        self, batch: Iterable[tuple[dict[str, Any], Iterable[tuple[str, str]]]]
    ) -> list[int | None]:
        """Insert many (article, removed) pairs in one transaction, first creating the sites
        they name that are not stored yet (as not crawled).

        Returns one id per pair, None where the URL was known (stored before, or earlier in the
        batch). All or nothing: a process killed midway leaves none of the batch behind.
        """
        batch = list(batch)
        with self._writing():
            for site in dict.fromkeys(article["site"] for article, _ in batch):
                self._upsert_site(site, crawled=False)
            return self._insert_articles(batch)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; SQLite failures (disk full, locked) become a StoreError.

        It is opened explicitly: sqlite-utils' execute() commits a write at once unless a
        transaction is open, which would split the work into pieces a kill could separate."""
        try:
            with self.db.conn:
                if not self.db.conn.in_transaction:
                    self.db.conn.execute("BEGIN")
                yield
        except sqlite3.OperationalError as err:
            raise StoreError(
                f"cannot write to database {self.path}: {err} (what was stored before is kept; "
                "free space or wait for the other writer, then run again)"
            ) from err

    def _insert_articles(
        self, batch: list[tuple[dict[str, Any], Iterable[tuple[str, str]]]]
    ) -> list[int | None]:
        """Insert inside the caller's transaction; None for each URL already known."""
        conn = self.db.conn
        conn.execute(_CREATE_INCOMING)
        conn.execute("DELETE FROM temp._incoming")
        conn.executemany(_INSERT_INCOMING, [_article_row(article) for article, _ in batch])
        stored = dict(conn.execute(_INSERT_ARTICLES).fetchall())
        conn.execute("DELETE FROM temp._incoming")
        # the first of repeated URLs is the one inserted (rows go in in batch order)
        ids = [stored.pop(article.get("url"), None) for article, _ in batch]
        conn.executemany(
            "INSERT INTO stripped (article_id, text, reason) VALUES (?, ?, ?)",
            [
                (article_id, block, reason)
                for article_id, (article, removed) in zip(ids, batch, strict=True)
                if article_id is not None
                for block, reason in [
                    *removed,
                    *([_cut_note(over_length(article))] if over_length(article) else []),
                ]
            ],
        )
        return ids

    def stored_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of `urls` that are stored already (one query per 500)."""
        urls = list(urls)
        found: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT url FROM articles WHERE url IN ({', '.join('?' * len(chunk))})", chunk
                )
            )
        return found

    def known_urls(self, site_id: str | None = None) -> set[str]:
        sql = "SELECT url FROM articles" + (" WHERE site = ?" if site_id else "")
        return {r[0] for r in self.db.execute(sql, [site_id] if site_id else [])}

    def article_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def iter_articles(self, columns: Iterable[str] = ("id",) + ARTICLE_COLUMNS) -> Iterator[dict]:
        cols = _select_list(columns)
        cursor = self.db.execute(f"SELECT {cols} FROM articles ORDER BY id")
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def get_article(self, article_id: int) -> dict | None:
        rows = list(self.db["articles"].rows_where("id = ?", [article_id]))
        return rows[0] if rows else None

    def set_texts(
        self, cleaned: Iterable[tuple[int, str, list[tuple[str, str]]]], most: bool = False
    ) -> None:
        """Store stripped text per article and replace its audit rows: (id, text, [(block, reason)]).

        The articles become pending (see add_pending) in the same transaction. Rows go through a
        temporary table, a few thousand per UPDATE: the full-text index, fed by trigger, costs
        about half as much that way as with one statement per article. When `most` texts change
        (a first clustering), the update trigger is left out and the full-text index rebuilt
        once at the end, in the same transaction (40% less work than deleting and adding each
        text's terms)."""
        conn = self.db.conn
        rows = iter(cleaned)
        with self._writing():
            trigger = None
            if most:
                trigger = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
                ).fetchone()
                if trigger:
                    conn.execute("DROP TRIGGER articles_au")
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS _cleaned "
                "(id INTEGER PRIMARY KEY, text TEXT, word_count INTEGER)"
            )
            while chunk := list(itertools.islice(rows, 5000)):
                conn.execute("DELETE FROM temp._cleaned")
                conn.executemany(
                    "INSERT OR REPLACE INTO temp._cleaned (id, text, word_count) VALUES (?, ?, ?)",
                    [
                        (i, text[:MAX_TEXT_CHARS], len(text[:MAX_TEXT_CHARS].split()))
                        for i, text, _ in chunk
                    ],
                )
                conn.execute(
                    "UPDATE articles SET text = c.text, word_count = c.word_count "
                    "FROM temp._cleaned c WHERE articles.id = c.id"
                )
                conn.execute(  # the note of a cut text stays: the raw text is still cut
                    "DELETE FROM stripped WHERE article_id IN (SELECT id FROM temp._cleaned) "
                    "AND reason != ?",
                    [TOO_LONG],
                )
                conn.executemany(
                    "INSERT INTO stripped (article_id, text, reason) VALUES (?, ?, ?)",
                    [(i, block, reason) for i, _, removed in chunk for block, reason in removed],
                )
                conn.execute("INSERT OR IGNORE INTO _pending SELECT id FROM temp._cleaned")
            conn.execute("DELETE FROM temp._cleaned")
            if trigger:
                conn.execute(trigger[0])
                # Terms gather in memory up to FTS5's hashsize before a segment is written: at its
                # 1 MB default the rebuild writes many small segments and merges them again (a
                # third of its work); the default is back before the transaction ends.
                conn.execute(_FTS_HASHSIZE, [FTS_REBUILD_HASHSIZE])
                conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
                conn.execute(_FTS_HASHSIZE, [FTS_DEFAULT_HASHSIZE])

    # -- learned boilerplate -------------------------------------------------------------------

    def replace_boilerplate(self, rows: Iterable[dict]) -> None:
        """Replace the learned boilerplate: dicts with key, site, text, reason, pages."""
        with self._writing():
            self.db.execute("DELETE FROM _boilerplate")
            self._insert_rows("_boilerplate", rows, replace=True)

    def boilerplate(self) -> list[dict]:
        return list(self.db["_boilerplate"].rows)

    # -- signatures and LSH buckets ------------------------------------------------------------

    def save_signatures(self, rows: Iterable[tuple[int, str, bytes, bytes | None]]) -> None:
        """Rows of (article_id, params key, signature bytes, prefix signature bytes)."""
        with self._writing():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO _signatures (article_id, params, hashvalues, prefix) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )

    def add_pending(self, article_ids: Iterable[int]) -> None:
        """Mark articles as to be signed and verified until clear_pending()."""
        with self._writing():
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO _pending (article_id) VALUES (?)",
                [(i,) for i in article_ids],
            )

    def pending_ids(self) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT article_id FROM _pending")}

    def clear_pending(self) -> None:
        with self._writing():
            self.db.execute("DELETE FROM _pending")

    def signed_ids(self, params: str) -> set[int]:
        return {
            r[0]
            for r in self.db.execute(
                "SELECT article_id FROM _signatures WHERE params = ?", [params]
            )
        }

    def signatures(self, params: str | None = None) -> Iterator[tuple[int, str, bytes, bytes]]:
        sql = "SELECT article_id, params, hashvalues, prefix FROM _signatures"
        yield from self.db.execute(
            sql + (" WHERE params = ?" if params else ""), [params] if params else []
        )

    def clear_signatures(self) -> None:
        with self._writing():
            self.db.execute("DELETE FROM _signatures")
            self.db.execute("DELETE FROM _lsh_segments")
            self.db.execute("DELETE FROM _lsh_articles")
        self._segments = None

    # LSH buckets live in segments: (key, band, article) arrays sorted by key, the key being the
    # bucket mixed with its band (so one sorted int64 column answers lookups in every band).
    # An entry counts while its article's row in _lsh_articles names its segment; a changed
    # article's old entries are dead once it is removed or indexed again. Segments are merged
    # (dead entries dropped) when there are more than LSH_SEGMENTS.

    def add_buckets(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """Index rows of (band, bucket, article_id)."""
        found = np.array(list(rows), dtype=np.int64).reshape(-1, 3)
        self.add_bucket_arrays(found[:, 0], found[:, 1], found[:, 2])

    def add_bucket_arrays(self, bands: np.ndarray, buckets: np.ndarray, articles: np.ndarray):
        """Index entries given as three arrays (band, bucket, article id) in one segment."""
        keys = _lsh_key(bands, buckets)
        order = np.argsort(keys, kind="stable")
        segment = (keys[order], np.asarray(bands, "<i2")[order], np.asarray(articles, "<i8")[order])
        with self._writing():
            self._write_segment(segment)
            if self.db.execute("SELECT COUNT(*) FROM _lsh_segments").fetchone()[0] > LSH_SEGMENTS:
                self._merge_segments()

    def _write_segment(self, segment: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        keys, bands, articles = segment
        if not len(keys):
            return
        distinct = np.unique(articles).tolist()
        cursor = self.db.conn.execute(
            "INSERT INTO _lsh_segments (keys, bands, articles, size) VALUES (?, ?, ?, ?)",
            [*(np.ascontiguousarray(x).tobytes() for x in (keys, bands, articles)), len(distinct)],
        )
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO _lsh_articles (article_id, segment) VALUES (?, ?)",
            [(a, cursor.lastrowid) for a in distinct],
        )
        self._segments = None

    def _merge_segments(self) -> None:
        """All live entries in one segment (inside the caller's transaction)."""
        live = self._live_segments()
        if not live:
            return
        merged = [np.concatenate(x) for x in zip(*live, strict=True)]
        order = np.argsort(merged[0], kind="stable")
        self.db.execute("DELETE FROM _lsh_segments")
        self._write_segment(tuple(x[order] for x in merged))
        # Ids are reused once the table was emptied: no article may name a segment gone.
        self.db.execute(
            "UPDATE _lsh_articles SET segment = NULL "
            "WHERE segment NOT IN (SELECT id FROM _lsh_segments)"
        )

    def _live_segments(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Every segment's live entries (read once, kept until the index changes)."""
        if self._segments is None:
            alive = dict(
                self.db.execute("SELECT segment, COUNT(*) FROM _lsh_articles GROUP BY segment")
            )
            self._segments = []
            for segment, size, *blobs in self.db.execute(
                "SELECT id, size, keys, bands, articles FROM _lsh_segments ORDER BY id"
            ):
                keys, bands, articles = (
                    np.frombuffer(b, dtype=t)
                    for b, t in zip(blobs, ("<i8", "<i2", "<i8"), strict=True)
                )
                if alive.get(segment, 0) < size:  # some articles changed since: drop theirs
                    live = np.fromiter(
                        (
                            r[0]
                            for r in self.db.execute(
                                "SELECT article_id FROM _lsh_articles WHERE segment = ?",
                                [segment],
                            )
                        ),
                        dtype=np.int64,
                    )
                    keep = np.isin(articles, live)
                    keys, bands, articles = keys[keep], bands[keep], articles[keep]
                if len(keys):
                    self._segments.append((keys, bands, articles))
        return self._segments

    def bucket_members(self, band: int, bucket: int) -> list[int]:
        return self.members_of_many([(band, bucket)]).get((band, bucket), [])

    def members_of_many(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
        """Members of many (band, bucket) keys at once; empty keys are left out."""
        found: dict[tuple[int, int], list[int]] = {}
        segments = self._live_segments()
        if not segments:
            return found  # nothing indexed yet (a first run): the keys are never made
        # Millions of keys in a large first run's later slices: read flat, no list of tuples.
        asked = np.fromiter(itertools.chain.from_iterable(keys), dtype=np.int64).reshape(-1, 2)
        wanted = _lsh_key(asked[:, 0], asked[:, 1])
        for stored, _, articles in segments:
            low = np.searchsorted(stored, wanted, "left")
            high = np.searchsorted(stored, wanted, "right")
            for i in np.flatnonzero(high > low).tolist():
                key = (int(asked[i, 0]), int(asked[i, 1]))
                found.setdefault(key, []).extend(articles[low[i] : high[i]].tolist())
        return found

    def remove_from_index(self, article_ids: Iterable[int]) -> None:
        """Forget the buckets of articles about to be indexed again (their text changed)."""
        with self._writing():
            self.db.conn.executemany(
                "UPDATE _lsh_articles SET segment = NULL WHERE article_id = ?",
                [(i,) for i in article_ids],
            )
        self._segments = None

    def iter_buckets(self) -> Iterator[tuple[int, int, int]]:
        """Live (band, bucket, article_id) entries, ordered by band and bucket."""
        segments = self._live_segments()
        if not segments:
            return
        keys, bands, articles = (np.concatenate(x) for x in zip(*segments, strict=True))
        buckets = _lsh_bucket(bands, keys)
        order = np.lexsort((articles, buckets, bands))
        yield from zip(
            bands[order].tolist(), buckets[order].tolist(), articles[order].tolist(), strict=True
        )

    def site_shingles(self, sites: Iterable[str], params: str) -> dict[str, tuple[bytes, ...]]:
        """site -> (shingles, counts, digests) blobs stored under these params."""
        found = {}
        for site in sites:
            row = self.db.execute(
                "SELECT shingles, counts, digests FROM _site_shingles WHERE site = ? AND params = ?",
                [site, params],
            ).fetchone()
            if row is not None:
                found[site] = tuple(row)
        return found

    def save_site_shingles(self, rows: Iterable[tuple[str, str, bytes, bytes, bytes]]) -> None:
        """Rows of (site, params, shingles, counts, digests), replacing the site's row."""
        with self._writing():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO _site_shingles (site, params, shingles, counts, digests) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def clear_site_shingles(self) -> None:
        with self._writing():
            self.db.execute("DELETE FROM _site_shingles")

    def article_ids(self) -> list[int]:
        """Every article id, in order (the pipeline's universe)."""
        return [r[0] for r in self.db.execute("SELECT id FROM articles ORDER BY id")]

    def recent_article_ids(self, site: str, limit: int) -> list[int]:
        """The `limit` newest article ids of a site (for incremental boilerplate learning)."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM articles WHERE site = ? ORDER BY id DESC LIMIT ?", [site, limit]
            )
        ]

    def site_article_ids(self, site: str) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM articles WHERE site = ?", [site])]

    # -- verified links --------------------------------------------------------------------------

    def replace_links(self, article_ids: Iterable[int], links: Iterable[Any]) -> None:
        """Drop the links of these articles and store new ones (objects with a, b, resemblance,
        containment, kind)."""
        with self._writing():
            ids = [(i, i) for i in article_ids]
            self.db.conn.executemany("DELETE FROM _links WHERE a = ? OR b = ?", ids)
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO _links (a, b, resemblance, containment, kind, shorter) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(lk.a, lk.b, lk.resemblance, lk.containment, lk.kind, lk.shorter) for lk in links],
            )

    def links(self) -> list[tuple[int, int, float, float, str, int | None]]:
        """Every verified link as (a, b, resemblance, containment, kind, shorter)."""
        return list(
            self.db.execute("SELECT a, b, resemblance, containment, kind, shorter FROM _links")
        )

    def articles_by_id(self, ids: list[int], columns: Iterable[str]) -> list[dict]:
        cols = _select_list(columns)
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor = self.db.execute(
                f"SELECT {cols} FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            names = [d[0] for d in cursor.description]
            rows += [dict(zip(names, row, strict=True)) for row in cursor]
        return rows

    def credits(self) -> Iterator[tuple[str, str | None, str | None, str | None]]:
        """(site, attribution_url, attribution_name, canonical_url) of every article that
        names a source of its own: what `roles.credited_origins` reads."""
        yield from self.db.execute(
            "SELECT site, attribution_url, attribution_name, canonical_url FROM articles "
            "WHERE attribution_url IS NOT NULL OR attribution_name IS NOT NULL "
            "OR canonical_url IS NOT NULL"
        )

    def stripped_by_article(self, ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        """article_id -> [(block, reason)] removed from it."""
        removed: dict[int, list[tuple[str, str]]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for article_id, text, reason in self.db.execute(
                f"SELECT article_id, text, reason FROM stripped WHERE article_id IN "
                f"({', '.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            ):
                removed.setdefault(article_id, []).append((text, reason))
        return removed

    # -- clusters and spread -------------------------------------------------------------------

    def cluster_memberships(self) -> dict[int, int]:
        """article_id -> cluster_id as stored now."""
        return dict(self.db.execute("SELECT article_id, cluster_id FROM cluster_members"))

    def cluster_member_urls(self) -> dict[int, list[tuple[str, str, str]]]:
        """cluster_id -> [(url, site, kind)] of its members, origin first."""
        found: dict[int, list[tuple[str, str, str]]] = {}
        for cluster_id, url, site, kind in self.db.execute(
            "SELECT m.cluster_id, a.url, a.site, m.kind FROM cluster_members m "
            "JOIN articles a ON a.id = m.article_id "
            "ORDER BY m.cluster_id, m.kind != 'origin', a.published, a.id"
        ):
            found.setdefault(cluster_id, []).append((url, site, kind))
        return found

    def largest_clusters(self, limit: int = 5) -> list[dict]:
        return list(
            self.db.query(
                "SELECT c.id, c.title, c.size, c.sites, a.url AS origin_url, a.site AS origin_site "
                "FROM clusters c LEFT JOIN articles a ON a.id = c.origin_article_id "
                "ORDER BY c.size DESC, c.id LIMIT ?",
                [limit],
            )
        )

    def next_cluster_id(self) -> int:
        """Cluster ids are never reused, even after a cluster disappears."""
        stored = int(self.get_meta("next_cluster_id", "1") or 1)
        top = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM clusters").fetchone()[0]
        return max(stored, top + 1)

    def replace_clusters(
        self,
        clusters: list[dict],
        members: list[dict],
        edges: list[dict],
        next_id: int,
        only: Iterable[int] | None = None,
    ) -> None:
        """Replace clusters, members and spread edges in one transaction: all of them, or with
        `only`, the rows of those cluster ids (the given rows must belong to them)."""
        gone = None if only is None else [(cluster_id,) for cluster_id in sorted(only)]
        with self._writing():
            if gone is None:
                self.db.execute("DELETE FROM spread_edges")
                self.db.execute("DELETE FROM cluster_members")
                self.db.execute("DELETE FROM clusters")
            else:
                for table in ("spread_edges", "cluster_members"):
                    self.db.conn.executemany(f"DELETE FROM {table} WHERE cluster_id = ?", gone)
                self.db.conn.executemany("DELETE FROM clusters WHERE id = ?", gone)
            self._insert_rows("clusters", clusters)
            self._insert_rows("cluster_members", members)
            self._insert_rows("spread_edges", edges)
            self._insert_rows("_meta", [{"key": "next_cluster_id", "value": str(next_id)}], True)
            if gone is None or gone or edges:  # else no spread edge changed
                self._refresh_site_flows()
                self._calibrate_fallback()

    def _calibrate_fallback(self) -> None:
        """Stored time-fallback edges get the confidence this database's own credits give
        (spread.fallback_confidence), inside the caller's transaction."""
        from .spread import NAMED_SOURCE, fallback_confidence

        named = " OR ".join("e.evidence LIKE ?" for _ in NAMED_SOURCE)
        straight, count = self.db.execute(
            "SELECT COALESCE(SUM(e.source_article_id = c.origin_article_id), 0), COUNT(*) "
            f"FROM spread_edges e JOIN clusters c ON c.id = e.cluster_id WHERE {named}",
            [f"{prefix}%" for prefix in NAMED_SOURCE],
        ).fetchone()
        self.db.execute(
            "UPDATE spread_edges SET confidence = ? WHERE evidence = 'earliest-published'",
            [fallback_confidence(straight, count)],
        )

    def refresh_site_flows(self) -> None:
        """Recompute site_flows from spread_edges (replace_clusters does it as it writes them;
        this is for spread edges written some other way)."""
        with self._writing():
            self._refresh_site_flows()

    def _refresh_site_flows(self) -> None:
        self.db.conn.execute("DELETE FROM site_flows")
        self.db.conn.execute(
            "INSERT INTO site_flows (source_site, target_site, pieces, median_lag_hours) "
            + SITE_FLOWS_SQL
        )
        self._refresh_roles()

    def _refresh_roles(self) -> None:
        """sites.inferred_role from site_flows (dedupe.roles), inside the caller's transaction."""
        from .roles import infer_roles

        flows = self.db.conn.execute("SELECT source_site, target_site, pieces FROM site_flows")
        roles = infer_roles(flows)
        self.db.conn.execute(
            "UPDATE sites SET inferred_role = NULL WHERE inferred_role IS NOT NULL"
        )
        self.db.conn.executemany(
            "UPDATE sites SET inferred_role = ? WHERE id = ?", [(r, s) for s, r in roles.items()]
        )

    def _role_sql(self, alias: str) -> str:
        """The role shown for a site: the one sites.toml gives, else the one its flows show
        (a database opened read-only before migration 9 has only the first)."""
        if "inferred_role" in self.db["sites"].columns_dict:
            return f"COALESCE(NULLIF({alias}.role, 'other'), {alias}.inferred_role, {alias}.role)"
        return f"{alias}.role"

    # -- crawl state (what was fetched; behind crawler.state's small interface) ----------------

    def record_page(self, url: str, site: str, kind: str, status: int, reason: str = "") -> None:
        """Remember that a URL was fetched and what it turned out to be (article, listing, ...)."""
        with self._writing():
            self.db.execute(
                "INSERT OR REPLACE INTO _pages (url, site, kind, status, reason, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [url, site, kind, status, reason, now()],
            )
            self.db.execute("DELETE FROM _frontier WHERE url = ?", [url])

    def add_frontier(self, site: str, entries: Iterable[tuple[str, int]]) -> None:
        """Pages a crawl is about to fetch, (url, hops) each."""
        with self._writing():
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO _frontier (url, site, hops) VALUES (?, ?, ?)",
                [(url, site, hops) for url, hops in entries],
            )

    def frontier(self, site: str) -> list[tuple[str, int]]:
        return list(self.db.execute("SELECT url, hops FROM _frontier WHERE site = ?", [site]))

    def settle_frontier(self, url: str) -> None:
        with self._writing():
            self.db.execute("DELETE FROM _frontier WHERE url = ?", [url])

    def clear_frontier(self, site: str) -> None:
        with self._writing():
            self.db.execute("DELETE FROM _frontier WHERE site = ?", [site])

    def fetched_pages(self, site_id: str | None = None) -> dict[str, str]:
        """url -> kind of every page fetched before (articles included)."""
        sql = "SELECT url, kind FROM _pages" + (" WHERE site = ?" if site_id else "")
        return dict(self.db.execute(sql, [site_id] if site_id else []))

    # -- crawl runs ----------------------------------------------------------------------------

    def start_run(self, settings: dict[str, Any], sites: int) -> int:
        """Record a new crawl run; runs left 'running' by a killed process become 'interrupted'."""
        with self._writing():
            self.db.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")
            cursor = self.db.execute(
                "INSERT INTO crawl_runs (started, sites, settings, status) VALUES (?, ?, ?, 'running')",
                [now(), sites, json.dumps(settings, sort_keys=True, default=str)],
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        with self._writing():
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished": now(),
                    "status": status,
                    "requests": stats.get("downloader/request_count", 0),
                    "new_articles": stats.get("crosspost/articles_stored", 0),
                    "errors": stats.get("crosspost/errors", 0),
                    "stats": json.dumps(stats, sort_keys=True, default=str),
                },
            )

    # -- reads for spread and export ---

    def cluster_exists(self, cluster_id: int) -> bool:
        return (
            self.db.execute("SELECT 1 FROM clusters WHERE id = ?", [cluster_id]).fetchone()
            is not None
        )

    def cluster_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM clusters ORDER BY id")]

    def clustered_articles(self, cluster_id: int | None = None) -> list[dict]:
        """Articles of clustered pieces with their cluster_id and kind, and their site's role."""
        sql = (
            "SELECT a.id, a.url, a.site, a.title, a.published, a.published_source, a.fetched_at, "
            "a.canonical_url, a.attribution_url, a.attribution_name, m.cluster_id, m.kind, "
            f"m.similarity, m.containment, s.name AS site_name, {self._role_sql('s')} AS role "
            "FROM cluster_members m JOIN articles a ON a.id = m.article_id "
            "LEFT JOIN sites s ON s.id = a.site"
        )
        if cluster_id is not None:
            return list(self.db.query(sql + " WHERE m.cluster_id = ? ORDER BY a.id", [cluster_id]))
        return list(self.db.query(sql + " ORDER BY m.cluster_id, a.id"))

    def spread_edge_rows(self, cluster_id: int | None = None) -> list[dict]:
        sql = (
            "SELECT cluster_id, source_article_id, target_article_id, evidence, confidence, "
            "lag_hours FROM spread_edges"
        )
        if cluster_id is not None:
            return list(self.db.query(sql + " WHERE cluster_id = ? ORDER BY id", [cluster_id]))
        return list(self.db.query(sql + " ORDER BY id"))

    def site_flow_rows(self) -> list[dict]:
        """site_flows: source_site, target_site, pieces, median_lag_hours."""
        return list(self.db.query("SELECT * FROM site_flows ORDER BY source_site, target_site"))

    def site_roles(self) -> dict[str, str]:
        """site id -> role (from sites.toml) for the sites that have one."""
        return dict(self.db.execute("SELECT id, role FROM sites WHERE role IS NOT NULL"))

    def set_member_flags(self, flags: dict[int, list[str]]) -> None:
        """Store the spread's notes per clustered article (article id -> notes); an empty list
        clears them. `replace_clusters` also stores a member row's "flags" list when given."""
        with self._writing():
            self.db.conn.executemany(
                "UPDATE cluster_members SET flags = ? WHERE article_id = ?",
                [(json.dumps(notes) if notes else None, i) for i, notes in flags.items()],
            )

    def cluster_row(self, cluster_id: int) -> dict | None:
        """One row of clusters (origin, size, sites, first and last published, title)."""
        rows = list(self.db.query("SELECT * FROM clusters WHERE id = ?", [cluster_id]))
        return rows[0] if rows else None

    def member_flags(self, cluster_id: int | None = None) -> dict[int, list[str]]:
        """article id -> the spread's notes, for clustered articles that have any."""
        if "flags" not in self.db["cluster_members"].columns_dict:
            return {}  # a database opened read-only before migration 2
        sql = "SELECT article_id, flags FROM cluster_members WHERE flags IS NOT NULL"
        params: list = []
        if cluster_id is not None:
            sql += " AND cluster_id = ?"
            params.append(cluster_id)
        return {i: json.loads(notes) for i, notes in self.db.execute(sql, params) if notes}

    # -- read-only access (the web side) ---

    @classmethod
    def open_read_only(cls, path: str | os.PathLike) -> Store:
        """Open an existing database for reading only: no migration, no write, no new file.

        Raises StoreError when the file is missing, is not SQLite, is not a crosspost database
        or has a schema this version does not know.
        """
        store = cls.__new__(cls)
        store.path = Path(path)
        if not store.path.exists():
            raise StoreError(f"database {store.path} not found: crawl or import first")
        if not store.path.is_file():
            raise StoreError(f"database {store.path} is not a file: give the .db file itself")
        try:
            conn = _connect_read_only(store.path)
        except sqlite3.Error as err:
            raise StoreError(
                f"cannot read {store.path}: {err} (is it a crosspost SQLite file?)"
            ) from err
        store.db = sqlite_utils.Database(conn)
        try:
            _check_ours(store.path, conn, allow_blank=False)
        except (StoreError, sqlite3.Error) as err:
            conn.close()
            if isinstance(err, StoreError):
                raise
            raise StoreError(
                f"cannot read {store.path}: {err} (is it a crosspost SQLite file?)"
            ) from err
        return store
