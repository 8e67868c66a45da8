from crawler.detect import ArticleShapes, classify, url_shape


def signals(**values):
    base = {
        "og_type": None,
        "jsonld_types": [],
        "word_count": 0,
        "paragraphs": 0,
        "link_density": 0.0,
        "has_time_element": False,
    }
    return base | values


def test_declared_articles_and_short_excerpts_are_articles():
    assert classify(signals(og_type="article", word_count=70)) == ("article", "declared")
    assert classify(signals(jsonld_types=["NewsArticle"], word_count=500))[0] == "article"


def test_listings_and_short_undeclared_pages_are_not():
    assert classify(signals(og_type="article", word_count=900, link_density=0.6)) == (
        "listing",
        "mostly-links",
    )
    assert classify(signals(word_count=120, paragraphs=3))[0] == "other"
    assert classify(signals(og_type="website", word_count=40))[0] == "other"


def test_undeclared_pages_need_a_date_or_length_or_a_listed_url_shape():
    assert classify(signals(word_count=150, has_time_element=True))[0] == "article"
    assert classify(signals(word_count=400, paragraphs=6))[0] == "article"
    assert classify(signals(word_count=80, paragraphs=2))[0] == "other"
    assert classify(signals(word_count=80, paragraphs=2), listed_shape=True) == (
        "article",
        "listed-url-shape",
    )


def test_url_shapes_generalise_dates_ids_and_slugs():
    assert url_shape("http://a.test/2026/11/05/solar-array-vote-splits/") == "/N/N/N/S/"
    assert url_shape("http://a.test/news/vote-splits-farmers-1234.html") == "/news/S.html"
    assert url_shape("http://a.test/tag/energy/") == "/tag/energy/"


def test_shapes_learned_per_site_from_listed_urls():
    shapes = ArticleShapes()
    for slug in ("one-two-three", "four-five-six"):
        shapes.learn("a.test", f"http://a.test/2026/11/02/{slug}/")
    assert shapes.matches("a.test", "http://a.test/2025/01/09/seven-eight-nine/")
    assert not shapes.matches("a.test", "http://a.test/about/")
    assert not shapes.matches("b.test", "http://b.test/2025/01/09/seven-eight-nine/")


def test_cut_off_slugs_and_query_ids_have_article_shapes():
    assert url_shape("http://a.test/2017/04/05/trump-really-likes-the-idea-when-he-s-/") == (
        "/N/N/N/S/"
    )
    assert url_shape("http://a.test/?p=5320") == url_shape("http://a.test/?p=17") == "/?p=N"
    assert url_shape("http://a.test/") != url_shape("http://a.test/?p=5320")


def test_shapes_learned_from_the_items_of_listings_need_three():
    shapes = ArticleShapes()
    shapes.learn_led("a.test", ["http://a.test/?p=1", "http://a.test/?p=2"])
    for _ in range(5):  # a link every page shows is still one URL
        shapes.learn_led("a.test", ["http://a.test/?p=2", "http://a.test/letters-to-the-editor/"])
    assert not shapes.matches("a.test", "http://a.test/?p=9")
    assert not shapes.matches("a.test", "http://a.test/letters-to-the-editor/")
    shapes.learn_led("a.test", ["http://a.test/?p=3"])
    assert shapes.matches("a.test", "http://a.test/?p=9")
