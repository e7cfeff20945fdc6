"""The bundled demo site that ``ecwatch demo`` and the crawler tests crawl.

Standard library only; it never touches the internet. See ``server`` for how
requests map to the static pages under ``sites/<host>/``.
"""

from __future__ import annotations

from cli.demosite.server import DEMO_HOSTS, DemoSite

__all__ = ["DEMO_HOSTS", "DemoSite"]
