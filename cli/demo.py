"""``ecwatch demo``: crawl the bundled demo shops and ads into the embedded store."""

from __future__ import annotations

import click

from crawler.netpolicy import format_host_map

from crawler.run import CrawlJob

from .common import CONTEXT_SETTINGS, console, storage_config
from .crawl import crawl_now
from .demosite import DemoSite
from .demosite._hosts import SHOPJS


def demo_overrides(site: DemoSite) -> dict[str, object]:
    """Settings that point a crawl at the demo site instead of the internet."""
    return {
        "ECWATCH_ALLOW_PRIVATE_TARGETS": True,
        "ECWATCH_HOST_MAP": format_host_map(site.host_map()),
        "ECWATCH_PORTAL_URL": site.portal_url,
        "AUTOTHROTTLE_START_DELAY": 0.0,
        "ECWATCH_PROGRESS_INTERVAL": 2.0,
    }


def demo_seeds(site: DemoSite) -> list[str]:
    """The storefronts, and the shop whose prices only a browser sees."""
    return [*site.seeds(), site.url(SHOPJS)]


@click.command(context_settings=CONTEXT_SETTINGS)
def demo() -> None:
    """Start the bundled demo shops on 127.0.0.1, crawl them, follow the demo ads, and print
    what was found.

    Two runs: the storefront spider (the JavaScript shop rendered in the browser), then the ads
    spider over the demo ad links. The data goes where every crawl's goes: ECWATCH_DATA_DIR
    (default ./var).

    Example:

    \b
        ecwatch demo
    """
    with DemoSite() as site:
        seeds = demo_seeds(site)
        ads = site.ad_links_csv(storage_config().data_dir / "demo-ads.csv")
        console.print(f"Demo shops on 127.0.0.1:{site.port}: {', '.join(seeds)}", markup=False)
        console.print(f"Demo ads: {ads}", markup=False)
        outcomes = crawl_now([CrawlJob("storefront", {"urls": "\n".join(seeds)}), CrawlJob("ads", {"links": str(ads)})],
                             demo_overrides(site), trigger="demo")
    if any(outcome.status != "finished" for outcome in outcomes):
        raise SystemExit(1)


COMMANDS = (demo,)
