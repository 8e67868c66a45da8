import re

from dedupe import urls
from dedupe.urls import clean_url, site_id


def test_tracking_parameters_and_fragment_go_real_parameters_stay():
    url = "http://News.Example.org/a/b?utm_source=x&id=3&fbclid=abc&gclid=1#comments"
    assert clean_url(url) == "http://news.example.org/a/b?id=3"


def test_same_article_same_url():
    variants = [
        "https://site.test:8080/2026/11/piece/",
        "https://site.test:8080/2026/11/piece/?utm_medium=social&utm_campaign=nov",
        "https://site.test:8080/2026/11/piece/#top",
    ]
    assert len({clean_url(u) for u in variants}) == 1


def test_site_id_is_host_without_www_and_port():
    assert site_id("https://WWW.Example.org:8443/x") == "example.org"
    assert site_id("http://harbor-herald.test:8765/") == "harbor-herald.test"


def test_session_ids_in_the_path_or_the_query_go():
    clean = "http://shop.test/story/12-harbour-vote?id=3"
    for url in (
        "http://shop.test/story/12-harbour-vote;jsessionid=A1B2C3D4E5?id=3",
        "http://shop.test/story/12-harbour-vote;JSESSIONID=z9?id=3&sid=77f0a1c9e2b84d1aa",
        "http://shop.test/story/12-harbour-vote?PHPSESSID=abc123&id=3",
        "http://shop.test/story/12-harbour-vote?id=3&ASPSESSIONIDQQ=XYZ&session_id=4",
    ):
        assert clean_url(url) == clean, url
    assert clean_url("http://shop.test/a;v=2/b") != clean_url("http://shop.test/a/b")
    # A story id called sid is the page's own.
    assert clean_url("http://old.test/article.pl?sid=26/11/05/1234") != clean_url(
        "http://old.test/article.pl?sid=26/11/06/0042"
    )


def test_plain_urls_skip_the_full_cleaning_with_the_same_result(monkeypatch):
    plain = [
        "https://news.example.org/2024/05/a-story.html",
        "http://blog.example.co.uk/posts/~editor/note-1/",
        "https://example.com/",
        "https://a-b.example/x_y/Z.v2",
    ]
    not_plain = [
        "https://Example.com/a",
        "https://example.com",
        "https://example.com:443/a",
        "https://example.com/a//b",
        "https://example.com/a/../b",
        "https://example.com/a;jsessionid=1a2b3c",
        "https://example.com/a?utm_source=x&id=2",
        "https://example.com/a#top",
        "https://example.com/caf%C3%A9",
    ]
    assert all(urls._PLAIN_URL.fullmatch(u) for u in plain)
    assert not any(urls._PLAIN_URL.fullmatch(u) for u in not_plain)
    fast = [urls.clean_url(u) for u in plain + not_plain]
    monkeypatch.setattr(urls, "_PLAIN_URL", re.compile("(?!)"))  # every URL the full way
    assert fast == [urls.clean_url(u) for u in plain + not_plain]
    assert fast[: len(plain)] == plain
