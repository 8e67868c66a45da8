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
