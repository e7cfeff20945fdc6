"""The Scrapy project: fetch pages and hand them to the detectors and storage."""
