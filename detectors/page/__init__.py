"""The page model: one parse of a page into the text, links, offers and signals the rules read."""

from __future__ import annotations

from detectors.page.model import needs_rendering, parse_page

__all__ = ["needs_rendering", "parse_page"]
