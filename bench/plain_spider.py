"""The baseline: a plain Scrapy spider that only follows links, as a Scrapy user would write it.

Run outside ecwatch's project (no ``scrapy.cfg`` above the working directory) by ``bench.throughput``:

    scrapy runspider bench/plain_spider.py -a start=http://host:port/ -a out=stats.json

It de-duplicates in the spider before a request exists (shared/env-notes.md §4: the cheap way), stays on
the start URL's host, and writes Scrapy's stats to ``out`` when it closes.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import urlsplit

import scrapy


class PlainSpider(scrapy.Spider):
    name = "plain"
    custom_settings = {"TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False, "LOG_LEVEL": "INFO"}

    def __init__(self, start: str = "", out: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.host = urlsplit(start).netloc
        self.out = out
        self.seen = {start}
        self.pages = 0

    def parse(self, response: Any, **kwargs: Any) -> Iterator[scrapy.Request]:
        self.pages += 1
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href).split("#", 1)[0]
            if url not in self.seen and urlsplit(url).netloc == self.host:
                self.seen.add(url)
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason: str) -> None:
        raw = self.crawler.stats.get_stats()
        stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in raw.items()}
        stats["pages"] = self.pages
        # As Scrapy's CoreStats computes it, which may run after us.
        stats["elapsed_time_seconds"] = (datetime.now(timezone.utc) - raw["start_time"]).total_seconds()
        with open(self.out, "w", encoding="utf-8") as handle:
            json.dump(stats, handle)
