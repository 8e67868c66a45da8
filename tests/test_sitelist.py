import pytest

from crawler.sitelist import load_sites, parse_sites
from dedupe.errors import InputError


def test_minimal_site_needs_only_home_page():
    (site,) = parse_sites('[[sites]]\nurl = "https://www.example.org/"\n')
    assert site.id == "example.org" and site.name == "example.org" and site.role == "other"


def test_full_site_table():
    text = """
[[sites]]
name = "Harbor Herald"
url = "https://harbor-herald.test/"
role = "origin"
feeds = ["/feed.xml"]
sitemaps = ["/sitemap.xml"]
max_pages = 200
boilerplate = ["^Support independent journalism"]
"""
    (site,) = parse_sites(text)
    assert site.feeds == ("/feed.xml",) and site.max_pages == 200 and site.role == "origin"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sites]\nurl=1", "not valid TOML"),
        ("title = 'x'", "lists no sites"),
        ('[[sites]]\nname = "x"', "'url' must be the site's home page"),
        ('[[sites]]\nurl = "ftp://x.org/"', "'url' must be the site's home page"),
        ('[[sites]]\nurl = "https://x.org/"\nrole = "boss"', "'role' must be one of"),
        ('[[sites]]\nurl = "https://x.org/"\nmax_pages = -1', "'max_pages'"),
        ('[[sites]]\nurl = "https://x.org/"\nfeeds = [1]', "'feeds' must be a list of strings"),
        ('[[sites]]\nurl = "https://x.org/"\ncolour = "red"', "unknown key"),
        ('[[sites]]\nurl = "https://x.org/"\n[[sites]]\nurl = "https://www.x.org/a"', "same site"),
        (
            '[[sites]]\nurl = "https://x.org/"\nboilerplate = ["^ok", "^Support (us"]',
            r"site 1 \(x.org\): boilerplate pattern '\^Support \(us' is not a valid regular",
        ),
    ],
)
def test_malformed_sites_file_names_the_problem(text, message):
    with pytest.raises(InputError, match=message):
        parse_sites(text)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_sites(tmp_path / "nope.toml")
