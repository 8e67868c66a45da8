"""Dropped pages are routine (listings, sections): count them, log them at DEBUG without the HTML.
A page that makes the pipeline fail is logged by its URL, not with the whole page in the message."""

import logging

from scrapy import logformatter


class QuietDrops(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        return {
            "level": logging.DEBUG,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }

    def item_error(self, item, exception, response, spider=None):
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s",
            "args": {"url": item.get("url") if hasattr(item, "get") else type(item).__name__},
        }
