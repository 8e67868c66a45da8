"""Dropped pages are routine (listings, sections): count them, log them at DEBUG without the HTML."""

import logging

from scrapy import logformatter


class QuietDrops(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        return {
            "level": logging.DEBUG,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }
