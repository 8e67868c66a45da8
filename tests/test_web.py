"""The Datasette research interface: metadata, canned queries, spread pages, renderers, escaping."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import networkx as nx
import pytest

from crosspost.serve import _listen, check_database, load_metadata, make_app
from crosspost.web import edge_columns, flow_matrix, rows_to_graph, safe_url, show_date
from dedupe.errors import InputError, StoreError
from dedupe.store import Store

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_CLUSTER_TITLE = '"><img src=x onerror=alert(4)>'
HOSTILE_SITE_NAME = "<b onmouseover=alert(2)>Evil Aggregator</b>"

SITES = [
    ("origin.example", "Valley Courier", "https://origin.example/", "origin"),
    ("bigpaper.example", "The Big Paper", "https://www.bigpaper.example/", "republisher"),
    ("aggr.example", "Aggregator One", "https://aggr.example/", "aggregator"),
    ("evil.example", HOSTILE_SITE_NAME, "https://evil.example/", "aggregator"),
]
FERRY = "\n".join(
    [
        "River towns vote to share one ferry",
        "Three river towns agreed on Tuesday to run a single ferry between their landings.",
        "The councils expect the shared boat to cut the crossing wait to twenty minutes.",
    ]
)
LIBRARY = "\n".join(
    [
        "The town library will keep its reading room open until midnight on weekdays.",
        "Volunteers from the night shift at the bakery offered to staff the desk.",
    ]
)
# id, site, path, title, published, text
ARTICLES = [
    (
        1,
        "origin.example",
        "/2026/03/ferry",
        "River towns vote to share one ferry",
        "2026-03-01T08:00:00+00:00",
        FERRY,
    ),
    (
        2,
        "bigpaper.example",
        "/news/ferry-vote",
        "River towns vote to share one ferry",
        "2026-03-01T14:00:00+00:00",
        FERRY,
    ),
    (
        3,
        "aggr.example",
        "/item/991",
        "River towns vote to share a ferry",
        "2026-03-02T08:00:00+00:00",
        FERRY,
    ),
    (4, "evil.example", None, HOSTILE_TITLE, "2026-02-28T08:00:00+00:00", FERRY.split("\n")[1]),
    (
        5,
        "origin.example",
        "/2026/03/library",
        HOSTILE_CLUSTER_TITLE,
        "2026-03-03T09:00:00+00:00",
        LIBRARY,
    ),
    (
        6,
        "aggr.example",
        "/item/992",
        "Library opens at night",
        "2026-03-03T12:00:00+00:00",
        LIBRARY,
    ),
    (
        7,
        "bigpaper.example",
        "/news/weather",
        "Fog expected on the river",
        None,
        "Morning fog will slow the ferry crossings on Thursday.",
    ),
]
CLUSTERS = [
    dict(
        id=1,
        origin_article_id=1,
        size=4,
        sites=4,
        first_published="2026-02-28T08:00:00+00:00",
        last_published="2026-03-02T08:00:00+00:00",
        title="River towns vote to share one ferry",
    ),
    dict(
        id=2,
        origin_article_id=5,
        size=2,
        sites=2,
        first_published="2026-03-03T09:00:00+00:00",
        last_published="2026-03-03T12:00:00+00:00",
        title=HOSTILE_CLUSTER_TITLE,
    ),
]
MEMBERS = [
    dict(cluster_id=1, article_id=1, kind="origin", similarity=1.0, containment=1.0),
    dict(cluster_id=1, article_id=2, kind="copy", similarity=0.97, containment=1.0),
    dict(cluster_id=1, article_id=3, kind="copy", similarity=0.9, containment=0.95),
    dict(cluster_id=1, article_id=4, kind="excerpt", similarity=0.3, containment=1.0),
    dict(cluster_id=2, article_id=5, kind="origin", similarity=1.0, containment=1.0),
    dict(cluster_id=2, article_id=6, kind="copy", similarity=0.95, containment=1.0),
]
EDGES = [
    dict(
        cluster_id=1,
        source_article_id=1,
        target_article_id=2,
        evidence="canonical",
        confidence=0.95,
        lag_hours=6.0,
    ),
    dict(
        cluster_id=1,
        source_article_id=2,
        target_article_id=3,
        evidence="attribution",
        confidence=0.8,
        lag_hours=18.0,
    ),
    dict(
        cluster_id=1,
        source_article_id=2,
        target_article_id=4,
        evidence="text-overlap",
        confidence=0.4,
        lag_hours=-30.0,
    ),
    dict(
        cluster_id=2,
        source_article_id=5,
        target_article_id=6,
        evidence="earliest-date",
        confidence=0.6,
        lag_hours=3.0,
    ),
]
STRIPPED = [
    (2, "This story first ran in the Valley Courier.", "republished-from"),
    (3, "Read more headlines on Aggregator One.", "site-repeat"),
    (6, "Read more headlines on Aggregator One.", "site-repeat"),
]


def article_url(article: tuple) -> str:
    """The page's URL; the hostile article has a javascript: URL."""
    article_id, site, path = article[:3]
    return "javascript:alert(3)" if path is None else f"https://{site}{path}"


def build_database(path: Path) -> Path:
    """A small crosspost database with two clusters and hostile titles, names and URLs."""
    with Store(path) as store:
        db = store.db
        with db.conn:
            db["sites"].insert_all(
                dict(id=s, name=name, home_url=home, role=role, first_seen="2026-03-01T00:00:00")
                for s, name, home, role in SITES
            )
            db["articles"].insert_all(
                dict(
                    id=a[0],
                    site=a[1],
                    url=article_url(a),
                    title=a[3],
                    published=a[4],
                    published_source="json-ld",
                    raw_text=a[5],
                    text=a[5],
                    word_count=len(a[5].split()),
                )
                for a in ARTICLES
            )
            db["clusters"].insert_all(CLUSTERS)
            db["cluster_members"].insert_all(MEMBERS)
            db["spread_edges"].insert_all(EDGES)
            db["stripped"].insert_all(
                dict(article_id=a, text=text, reason=reason) for a, text, reason in STRIPPED
            )
        store.refresh_site_flows()  # spread edges written directly, not by replace_clusters
    return path


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    return build_database(tmp_path_factory.mktemp("web") / "spread.db")


@pytest.fixture(scope="module")
def client(db_path):
    """get(path) -> httpx response, through Datasette's in-process test client."""
    ds = make_app(db_path)
    loop = asyncio.new_event_loop()

    def get(path: str):
        return loop.run_until_complete(ds.client.get(path))

    yield get
    loop.close()


def query_json(get, name: str, **params: str) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = get(f"/spread/{name}.json?_shape=array&{query}")
    assert response.status_code == 200, response.text
    return response.json()


# -- serve / make_app ----------------------------------------------------------------------------


def test_refuses_a_missing_or_foreign_database(tmp_path):
    with pytest.raises(StoreError, match="not found"):
        make_app(tmp_path / "absent.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(StoreError, match="not a crosspost database"):
        make_app(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="crosspost SQLite file"):
        make_app(junk)


def test_serves_read_only_with_a_time_limit(db_path, client):
    before = db_path.stat().st_mtime_ns
    settings = client("/-/settings.json").json()
    assert settings["sql_time_limit_ms"] == 5000
    databases = client("/-/databases.json").json()
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("spread", True)]
    response = client("/spread.json?sql=DELETE+FROM+articles")
    assert response.status_code == 400
    assert "Statement must be a SELECT" in response.text
    assert check_database(db_path)  # still a crosspost database, nothing written
    assert db_path.stat().st_mtime_ns == before


def test_immutable_mode(db_path):
    ds = make_app(db_path, immutable=True)
    assert ds.databases["spread"].is_mutable is False


# -- metadata ------------------------------------------------------------------------------------


def test_metadata_describes_every_public_table_and_column(db_path, client):
    meta = client("/-/metadata.json").json()
    for key in ("title", "description", "source", "license"):
        assert meta[key]
    tables = meta["databases"]["spread"]["tables"]
    with Store(db_path) as store:
        names = store.db.table_names() + store.db.view_names()
        schema = {name: [c.name for c in store.db[name].columns] for name in names}
    for name, columns in schema.items():
        if name.startswith("_") or name.startswith("articles_fts"):
            if name.startswith("_"):
                assert tables[name]["hidden"] is True, name
            continue
        assert tables[name]["description"], name
        for column in columns:
            assert tables[name]["columns"].get(column), f"{name}.{column} has no description"
    assert tables["articles"]["label_column"] == "title"
    assert tables["sites"]["label_column"] == "name"
    assert tables["clusters"]["label_column"] == "title"
    assert tables["articles"]["fts_table"] == "articles_fts"


def test_home_page_describes_the_database_not_files_a_user_lacks(client):
    html = client("/").text
    assert "7 articles from 4 sites, 2 clusters of copies and excerpts" in html
    for absent in ("sites.toml", "DESIGN"):
        assert absent not in html
        assert absent not in client("/spread").text


def test_new_underscore_tables_are_hidden():
    meta = load_metadata("x", ["articles", "_later_state"])
    assert meta["databases"]["x"]["tables"]["_later_state"] == {"hidden": True}


def test_internal_tables_hidden_and_facets_and_search(client):
    shown = {t["name"] for t in client("/spread.json").json()["tables"] if not t["hidden"]}
    assert shown == {
        "sites",
        "articles",
        "stripped",
        "clusters",
        "cluster_members",
        "spread_edges",
        "site_flows",
        "crawl_runs",
    }
    data = client("/spread/articles.json?_search=ferry&_shape=objects").json()
    assert {row["id"] for row in data["rows"]} == {1, 2, 3, 4, 7}
    facets = client("/spread/cluster_members.json").json()["facet_results"]
    kinds = {item["value"]: item["count"] for item in facets["kind"]["results"]}
    assert kinds == {"origin": 2, "copy": 3, "excerpt": 1}
    sites = client("/spread/articles.json").json()["facet_results"]["site"]["results"]
    assert {item["value"]: item["count"] for item in sites}["origin.example"] == 2


def test_foreign_keys_show_labels(client):
    html = client("/spread/cluster_members").text
    assert "River towns vote to share one ferry" in html  # article_id -> articles.title
    html = client("/spread/articles?site=aggr.example").text
    assert "Aggregator One" in html  # site -> sites.name


# -- canned queries ------------------------------------------------------------------------------


def test_largest_clusters(client):
    rows = query_json(client, "largest_clusters")
    assert [(r["cluster_id"], r["size"], r["origin_site"]) for r in rows] == [
        (1, 4, "origin.example"),
        (2, 2, "origin.example"),
    ]
    assert [r["cluster_id"] for r in query_json(client, "largest_clusters", min_size="3")] == [1]


def test_cluster_spread(client):
    rows = query_json(client, "cluster_spread", cluster="1")
    assert [r["article_id"] for r in rows][0] == 1
    by_id = {r["article_id"]: r for r in rows}
    assert by_id[1]["kind"] == "origin" and by_id[1]["copied_from_article_id"] is None
    assert (by_id[3]["copied_from_site"], by_id[3]["evidence"], by_id[3]["lag_hours"]) == (
        "bigpaper.example",
        "attribution",
        18.0,
    )


def test_republishers_of_site(client):
    rows = query_json(client, "republishers_of_site", site="bigpaper.example")
    assert {r["republisher"]: r["pieces"] for r in rows} == {"aggr.example": 1, "evil.example": 1}
    assert {r["republisher"]: r["fastest_hours"] for r in rows}["aggr.example"] == 18.0


def test_mutual_copying(client):
    rows = query_json(client, "mutual_copying")
    pairs = {(r["source"], r["target"]): r["pieces"] for r in rows}
    assert pairs == {
        ("origin.example", "bigpaper.example"): 1,
        ("bigpaper.example", "aggr.example"): 1,
        ("bigpaper.example", "evil.example"): 1,
        ("origin.example", "aggr.example"): 1,
    }


def test_stripped_from_site(client):
    rows = query_json(client, "stripped_from_site", site="aggr.example")
    assert rows == [
        {
            "reason": "site-repeat",
            "removed_text": "Read more headlines on Aggregator One.",
            "times": 2,
            "articles": 2,
            "example_article_id": 3,
        }
    ]


def test_search_articles_with_cluster(client):
    rows = query_json(client, "search_articles", q="midnight reading")
    assert sorted((r["article_id"], r["cluster_id"], r["kind"]) for r in rows) == [
        (5, 2, "origin"),
        (6, 2, "copy"),
    ]
    assert "[midnight]" in rows[0]["snippet"]
    # FTS syntax in the search box is treated as words, not an error
    assert query_json(client, "search_articles", q='"unbalanced') == []


def test_backdated_copies(client):
    rows = query_json(client, "backdated_copies")
    assert [(r["source_article_id"], r["target_article_id"]) for r in rows] == [(2, 4)]
    assert rows[0]["hours_earlier"] == 30.0
    assert query_json(client, "backdated_copies", site="aggr.example") == []


def test_query_results_link_to_spread_pages_and_articles(client):
    html = client("/spread/largest_clusters").text
    assert 'href="/-/crosspost/cluster/1"' in html
    html = client("/spread/cluster_spread?cluster=1").text
    assert 'href="/spread/articles/2"' in html
    html = client("/spread/clusters").text
    assert 'href="/-/crosspost/cluster/2"' in html


# -- spread pages --------------------------------------------------------------------------------


def embedded_graph(html: str) -> dict:
    start = html.index('<script type="application/json" id="crosspost-data">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_cluster_page(client):
    response = client("/-/crosspost/cluster/1")
    assert response.status_code == 200
    html = response.text
    graph = embedded_graph(html)
    assert sorted(n["id"] for n in graph["nodes"]) == [1, 2, 3, 4]
    assert sorted((e["source"], e["target"]) for e in graph["edges"]) == [(1, 2), (2, 3), (2, 4)]
    assert graph["sites"][0] == "origin.example"
    for article_id in (1, 2, 3, 4):
        assert f'href="/spread/articles/{article_id}"' in html
    assert 'href="https://bigpaper.example/news/ferry-vote"' in html
    for fmt in ("gexf", "graphml", "json"):
        assert f'href="/-/crosspost/cluster/1.{fmt}"' in html
    assert "/-/crosspost/static/spread.js" in html
    assert "cdn" not in html.lower()


def test_static_files_and_unknown_cluster(client):
    js = client("/-/crosspost/static/spread.js")
    assert js.status_code == 200 and "application/javascript" in js.headers["content-type"]
    assert "innerHTML" not in js.text.replace("never innerHTML", "")
    assert client("/-/crosspost/static/crosspost.css").status_code == 200
    assert client("/-/crosspost/static/missing.js").status_code == 404
    response = client("/-/crosspost/cluster/99")
    assert response.status_code == 404
    assert "cluster 99 does not exist" in response.text


def test_flows_page(client):
    html = client("/-/crosspost/flows").text
    graph = embedded_graph(html)
    assert len(graph["nodes"]) == 4 and len(graph["edges"]) == 4
    # Coloured by role, origins first; the legend lists roles.
    assert graph["sites"] == ["origin", "republisher", "aggregator"]
    assert {n["id"]: n["site"] for n in graph["nodes"]}["evil.example"] == "aggregator"
    assert 'class="crosspost-matrix"' in html
    assert 'href="/spread/sites/bigpaper.example"' in html
    assert 'href="/-/crosspost/flows.gexf"' in html
    assert "Site-to-site flows" in client("/").text  # the menu links to it


def test_row_pages_show_one_field_per_line_with_links(client):
    html = client("/spread/articles/3").text
    assert 'class="rows-and-columns crosspost-record"' in html
    assert "Headline as extracted from the page." in html  # each field with its description
    assert 'href="/spread/sites/aggr.example"' in html
    html = client("/spread/clusters/1").text
    assert 'href="/spread/articles/1"' in html  # origin_article_id
    assert 'href="/-/crosspost/cluster/1"' in html
    html = client("/spread/spread_edges/2").text
    assert 'href="/spread/articles/2"' in html and 'href="/spread/articles/3"' in html
    html = client("/spread/site_flows").text
    assert 'href="/spread/sites/bigpaper.example"' in html
    assert "crosspost-record" not in client("/spread/articles").text  # tables keep their layout


def test_flow_matrix():
    flows = [
        dict(source="a", target="b", pieces=4, median_lag_hours=2.0),
        dict(source="b", target="c", pieces=1, median_lag_hours=None),
    ]
    matrix = flow_matrix(flows, {"a": "A", "b": "B", "c": "C"}, {"a": "origin"})
    assert [c["site"] for c in matrix["columns"]] == ["b", "c"]
    assert [r["site"] for r in matrix["rows"]] == ["a", "b"]
    (ab, ac), (bb, bc) = (r["cells"] for r in matrix["rows"])
    assert ac is None and bb is None
    assert (ab["pieces"], ab["shade"], bc["pieces"]) == (4, 0.9, 1)
    assert ab["title"] == "A \u2192 B: 4 pieces, median lag 2.0 h"
    assert bc["shade"] < ab["shade"] and "median" not in bc["title"]
    assert flow_matrix([], {}, {}) == {"columns": [], "rows": []}


def test_show_date():
    assert show_date("2026-11-05T17:58:00+00:00") == "2026-11-05 17:58 UTC"
    assert show_date("2026-11-05T17:58:09+02:00") == "2026-11-05 17:58:09 +02:00"
    assert show_date("2026-11-05T17:58:00") == "2026-11-05 17:58"
    assert show_date("2026-11-05") == "2026-11-05"
    assert show_date("around noon") == "around noon"
    assert show_date(None) == ""


def test_cluster_page_shows_readable_dates_and_day_only_lags(db_path, tmp_path):
    copy = tmp_path / "day.db"
    copy.write_bytes(db_path.read_bytes())
    with Store(copy) as store:
        store.db.execute("UPDATE articles SET published = '2026-03-02' WHERE id = 3")
        store.db.execute("UPDATE spread_edges SET lag_hours = NULL WHERE target_article_id = 3")
        store.db.conn.commit()
        store.set_member_flags({4: ["claims-earlier-than-source"]})
    ds = make_app(copy)
    html = asyncio.run(ds.client.get("/-/crosspost/cluster/1")).text
    assert "2026-03-01 08:00 UTC" in html
    assert 'title="2026-03-01T08:00:00+00:00"' in html  # the exact value on hover
    assert "day only</span>" in html
    assert "<td>claims-earlier-than-source</td>" in html


def test_a_database_of_schema_1_is_served_without_migrating(db_path, tmp_path):
    old = tmp_path / "schema1.db"
    old.write_bytes(db_path.read_bytes())
    conn = sqlite3.connect(old)
    conn.execute("ALTER TABLE cluster_members DROP COLUMN flags")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    ds = make_app(old)
    response = asyncio.run(ds.client.get("/-/crosspost/cluster/1"))
    assert response.status_code == 200
    assert len(embedded_graph(response.text)["nodes"]) == 4
    with Store.open_read_only(old) as store:
        assert store.schema_version == 1


# -- Store.open_read_only ------------------------------------------------------------------------


def test_open_read_only_reads_without_writing(db_path, tmp_path):
    before = db_path.stat().st_mtime_ns
    with Store.open_read_only(db_path) as store:
        assert store.cluster_ids() == [1, 2]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.execute("DELETE FROM articles")
    assert db_path.stat().st_mtime_ns == before
    with pytest.raises(StoreError, match="not found"):
        Store.open_read_only(tmp_path / "absent.db")
    assert not (tmp_path / "absent.db").exists()
    with pytest.raises(StoreError, match="not a file"):
        Store.open_read_only(tmp_path)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(StoreError, match="not a crosspost database"):
        Store.open_read_only(other)
    newer = tmp_path / "newer.db"
    newer.write_bytes(db_path.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="upgrade crosspost"):
        Store.open_read_only(newer)


# -- crosspost serve on the command line ---------------------------------------------------------


def test_serve_command_errors_are_one_line(db_path, tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cases = [
            ((str(tmp_path / "absent.db"),), "not found"),
            ((str(other),), "not a crosspost database"),
            ((str(db_path), "--port", str(port)), "Address already in use"),
        ]
        runs = [  # side by side: each start imports Datasette
            subprocess.Popen(
                [sys.executable, "-m", "crosspost", "serve", *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args, _message in cases
        ]
        for (args, message), run in zip(cases, runs, strict=True):
            stdout, stderr = run.communicate(timeout=60)
            assert run.returncode == 2, args
            assert stdout == ""
            lines = stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("crosspost: error: "), stderr
            assert message in lines[0], lines[0]
    assert not (tmp_path / "absent.db").exists()


def test_listen_explains_what_to_change():
    with pytest.raises(InputError, match="not a port number"):
        _listen("127.0.0.1", 70000)
    with pytest.raises(InputError, match="unknown host"):
        _listen("no-such-host.invalid", 8001)
    with pytest.raises(InputError, match="not an address of this machine"):
        _listen("192.0.2.1", 8001)  # TEST-NET-1: never assigned to this machine
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with _listen("127.0.0.1", port) as sock:
        assert sock.getsockname() == ("127.0.0.1", port)


# -- hostile content -----------------------------------------------------------------------------


def test_hostile_content_is_escaped_everywhere(client):
    pages = [
        "/-/crosspost/cluster/1",
        "/-/crosspost/cluster/2",
        "/-/crosspost/flows",
        "/spread/clusters",
        "/spread/articles",
        "/spread/articles/4",
        "/spread/largest_clusters",
        "/spread/cluster_spread?cluster=1",
        "/spread/search_articles?q=river",
        "/-/crosspost/find?q=https://bigpaper.example/news/ferry-vote",
        "/-/crosspost/find?q=https://origin.example/2026/03/library",
        "/-/crosspost/find?q=%3Cscript%3Ealert(1)%3C/script%3E",
    ]
    for page in pages:
        html = client(page).text
        for raw in ("<script>alert(1)", "<img src=x onerror", "<b onmouseover"):
            assert raw not in html, (page, raw)
        assert 'href="javascript:' not in html.lower(), page
    html = client("/-/crosspost/cluster/1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text in the table
    assert "javascript:alert(3)" in html  # the URL is shown, but not as a link
    assert "\\u003cscript\\u003e" in html  # and in the embedded JSON


def test_find_page_by_stored_url(client):
    html = client("/-/crosspost/find?q=https://bigpaper.example/news/ferry-vote").text
    assert "Cluster 1:" in html and 'href="/-/crosspost/cluster/1"' in html
    assert "Origin: <strong>Valley Courier</strong>" in html
    assert 'class="crosspost-asked"' in html  # the page asked about stands out
    assert "canonical" in html and "6.0" in html  # evidence and lag of the copy
    unknown = client("/-/crosspost/find?q=https://elsewhere.example/story").text
    assert "not in this database" in unknown and "Cluster" not in unknown
    # a passage needs the index, which only `crosspost cluster` builds: said, not a traceback
    passage = client("/-/crosspost/find?q=Three+river+towns+agreed+on+Tuesday")
    assert passage.status_code == 200 and "run `crosspost cluster` first" in passage.text


def test_every_plugin_page_has_the_find_form(client):
    for page in ("/-/crosspost/cluster/1", "/-/crosspost/flows", "/-/crosspost/find"):
        html = client(page).text
        assert '<form class="crosspost-find" action="/-/crosspost/find"' in html, page
    assert "Find copies" in client("/").text  # in the menu


def test_safe_url():
    assert safe_url("https://a.example/x?y=1") == "https://a.example/x?y=1"
    for bad in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "//a.example",
        "https://a.example/\nx",
        None,
        3,
        "",
    ):
        assert safe_url(bad) is None, bad


# -- output renderers ----------------------------------------------------------------------------


def test_edge_columns():
    assert edge_columns(["source", "target", "x"]) == ("source", "target")
    assert edge_columns(["source_site", "target_site"]) == ("source_site", "target_site")
    assert edge_columns(["source", "x"]) is None


def test_rows_to_graph_counts_repeated_pairs():
    graph = rows_to_graph(
        ["source", "target", "lag"], [("a", "b", 1), ("a", "b", 2.5), ("b", "c", None)]
    )
    assert graph["a"]["b"]["weight"] == 2
    assert graph["a"]["b"]["lag"] == 1.0 and isinstance(graph["a"]["b"]["lag"], float)
    assert "lag" not in graph["b"]["c"]


def test_gexf_and_graphml_renderers(client):
    page = client("/spread/mutual_copying").text
    assert "/spread/mutual_copying.gexf" in page and "/spread/mutual_copying.graphml" in page
    assert ".gexf" not in client("/spread/largest_clusters").text  # no source/target columns
    response = client("/spread/mutual_copying.gexf")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/gexf+xml")
    assert 'filename="mutual_copying.gexf"' in response.headers["content-disposition"]
    graph = nx.read_gexf(io.BytesIO(response.content))
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() == 4
    response = client("/spread/spread_edges.graphml")
    assert response.status_code == 200
    graph = nx.read_graphml(io.BytesIO(response.content))
    assert sorted(graph.edges()) == [("1", "2"), ("2", "3"), ("2", "4"), ("5", "6")]
    assert graph["2"]["4"]["evidence"] == "text-overlap"
    sql = quote("select 'x<y' as source, 'z&w' as target")
    response = client(f"/spread.graphml?sql={sql}")
    assert set(nx.read_graphml(io.BytesIO(response.content)).nodes()) == {"x<y", "z&w"}
    response = client("/spread/largest_clusters.gexf")
    assert response.status_code == 400 and "needs the columns" in response.text


def test_cluster_and_flow_downloads(client):
    response = client("/-/crosspost/cluster/1.gexf")
    assert response.status_code == 200, response.text
    assert 'filename="cluster-1.gexf"' in response.headers["content-disposition"]
    graph = nx.read_gexf(io.BytesIO(response.content))
    assert graph.number_of_edges() >= 3
    response = client("/-/crosspost/cluster/1.graphml")
    assert nx.read_graphml(io.BytesIO(response.content)).number_of_edges() >= 3
    response = client("/-/crosspost/cluster/1.json")
    assert response.status_code == 200
    assert len(response.json()["nodes"]) >= 4
    response = client("/-/crosspost/flows.graphml")
    assert response.status_code == 200
    assert client("/-/crosspost/cluster/99.gexf").status_code == 404


def test_graph_downloads_are_valid_xml_whatever_the_text(db_path, tmp_path):
    """Control characters, NUL, U+FFFE/U+FFFF in titles and site ids: every graph download
    still parses (they had answered 500, or written GEXF that networkx could not read)."""
    hostile = tmp_path / "hostile.db"
    hostile.write_bytes(db_path.read_bytes())
    conn = sqlite3.connect(hostile)
    conn.execute("UPDATE articles SET title = 'Ferry' || char(0, 1, 27, 65534, 65535) WHERE id < 4")
    conn.execute("UPDATE sites SET name = 'Courier' || char(8, 11) WHERE id = 'origin.example'")
    conn.commit()
    conn.close()
    ds = make_app(hostile)
    sql = quote("select 'a' || char(1) as source, 'b' || char(65534) as target, char(0) as note")
    for path in (
        "/-/crosspost/cluster/1.gexf",
        "/-/crosspost/cluster/1.graphml",
        "/-/crosspost/flows.gexf",
        "/-/crosspost/flows.graphml",
        f"/hostile.gexf?sql={sql}",
        f"/hostile.graphml?sql={sql}",
    ):
        response = asyncio.run(ds.client.get(path))
        assert response.status_code == 200, (path, response.text[:300])
        read = nx.read_gexf if ".gexf" in path else nx.read_graphml
        graph = read(io.BytesIO(response.content))
        assert graph.number_of_nodes() >= 2, path
    graph = nx.read_graphml(
        io.BytesIO(asyncio.run(ds.client.get(f"/hostile.graphml?sql={sql}")).content)
    )
    assert set(graph) == {"a\ufffd", "b\ufffd"}


def test_whole_graph_downloads_are_built_one_at_a_time_and_kept(db_path, tmp_path, monkeypatch):
    """The site graph takes seconds at scale: many requests at once build it once."""
    import threading
    import time

    from crosspost import web

    copy = tmp_path / "kept.db"
    copy.write_bytes(db_path.read_bytes())
    built, running, most = [], [0], [0]
    lock = threading.Lock()
    real = web._export_file

    def counted(*args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        try:
            built.append(args)
            return real(*args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(web, "_export_file", counted)
    ds = make_app(copy)

    async def many(path: str, count: int):
        return await asyncio.gather(*(ds.client.get(path) for _ in range(count)))

    answers = asyncio.run(many("/-/crosspost/flows.gexf", 6))
    assert {a.status_code for a in answers} == {200} and len({a.content for a in answers}) == 1
    assert (len(built), most[0]) == (1, 1)
    with Store(copy) as store:  # the database changes: the next download is built again
        store.upsert_site("new.example")
    assert asyncio.run(ds.client.get("/-/crosspost/flows.gexf")).status_code == 200
    assert len(built) == 2
