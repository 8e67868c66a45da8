"""What the spider hands to the pipeline."""

import scrapy


class PageItem(scrapy.Item):
    """An HTML page of a site that may be an article; the pipeline decides."""

    url = scrapy.Field()  # final URL after redirects, cleaned
    site = scrapy.Field()  # site id (host)
    status = scrapy.Field()
    html = scrapy.Field()
    listed_shape = scrapy.Field()  # the URL looks like those the site's feeds/sitemaps list
    lease = scrapy.Field()  # distributed crawl: the frontier lease its request holds
    warc = scrapy.Field()  # (WARC file name, record id) when the crawl archives (crawler.warc)
