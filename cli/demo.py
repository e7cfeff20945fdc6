"""``ecwatch demo``: crawl the bundled demo shops and ads; ``ecwatch demo serve``: run the shops
alone, to try a crawl by hand."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import threading
from pathlib import Path

import click

from crawler.netpolicy import format_host_map
from crawler.run import CrawlJob
from storage.models import Finding

from .common import CONTEXT_SETTINGS, database_session, storage_config, user_errors
from .crawl import CRAWL_INPUT_ERRORS, crawl_now
from .demosite import DemoSite
from .demosite._hosts import GIADUNG, SHOPJS
from .i18n import tr
from .output import say

# What a crawl of the demo shops needs that a crawl of the internet must not have.
HAND_CRAWL_SETTINGS = ("ECWATCH_ALLOW_PRIVATE_TARGETS", "ECWATCH_HOST_MAP", "ECWATCH_PORTAL_URL")


def demo_overrides(site: DemoSite) -> dict[str, object]:
    """Settings that point a crawl at the demo site instead of the internet."""
    return {
        # Only the demo server: a demo page redirecting elsewhere on this machine is still refused.
        "ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{site.port}",
        "ECWATCH_HOST_MAP": format_host_map(site.host_map()),
        "ECWATCH_PORTAL_URL": site.portal_url,
        "AUTOTHROTTLE_START_DELAY": 0.0,
        "ECWATCH_PROGRESS_INTERVAL": 2.0,
    }


def demo_seeds(site: DemoSite) -> list[str]:
    """The storefronts, and the shop whose prices only a browser sees."""
    return [*site.seeds(), site.url(SHOPJS)]


def program_name() -> str:
    """How the user started ecwatch, so the commands we suggest run as printed (``.venv/bin/ecwatch``)."""
    invoked = sys.argv[0] if sys.argv and sys.argv[0] else ""
    on_path = shutil.which("ecwatch")
    if Path(invoked).name == "ecwatch" and not (on_path and Path(on_path).resolve() == Path(invoked).resolve()):
        return invoked
    return "ecwatch"


def command_line(*args: str) -> str:
    """A command to copy: the program as invoked, and the data dir when the environment chose one."""
    prefix = f"ECWATCH_DATA_DIR={shlex.quote(os.environ['ECWATCH_DATA_DIR'])} " \
        if os.environ.get("ECWATCH_DATA_DIR") else ""
    return prefix + " ".join([program_name(), *map(shlex.quote, args)])


def next_steps() -> list[str]:
    """The three commands a newcomer should run after the demo, with a real finding id."""
    with database_session() as session:
        example = session.query(Finding.id).filter(Finding.rule == "PROMO-DISC-50").order_by(Finding.id).first() \
            or session.query(Finding.id).order_by(Finding.id).first()
    steps = [(command_line("findings"), tr("what the crawl flagged, one line each"))]
    if example is not None:
        steps.append((command_line("findings", "show", str(example[0])),
                      tr("one finding in full: evidence files, legal basis, history")))
    steps.append((command_line("export", "findings", "-o", "demo-findings.csv"), tr("the findings as a spreadsheet")))
    width = max(len(command) for command, _ in steps)
    return [tr("Next, try:")] + [f"  {command.ljust(width)}  # {why}" for command, why in steps]


@click.group(context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.pass_context
@user_errors(*CRAWL_INPUT_ERRORS)
def demo(ctx: click.Context) -> None:
    """Start the bundled demo shops on 127.0.0.1, crawl them, follow the demo ads, and print
    what was found and the commands to look at it.

    Two runs: the storefront spider (the JavaScript shop rendered in the browser), then the ads
    spider over the demo ad links. The data goes where every command's goes: ECWATCH_DATA_DIR,
    else the per-user data dir ('make demo' sets ./var). 'ecwatch demo serve' runs the shops
    alone, to try a crawl by hand.

    Example:

    \b
        ecwatch demo
        ECWATCH_DATA_DIR=./var ecwatch demo
    """
    if ctx.invoked_subcommand is not None:
        return
    with DemoSite() as site:
        seeds = demo_seeds(site)
        ads = site.ad_links_csv(storage_config().ensure_data_dir() / "demo-ads.csv")
        say(tr("Demo shops on 127.0.0.1:{port}: {seeds}", port=site.port, seeds=", ".join(seeds)))
        say(tr("Demo ads: {path}", path=ads))
        outcomes = crawl_now([CrawlJob("storefront", {"urls": "\n".join(seeds)}), CrawlJob("ads", {"links": str(ads)})],
                             demo_overrides(site), trigger="demo")
    say("")
    for line in next_steps():
        say(line)
    if any(outcome.status != "finished" for outcome in outcomes):
        raise SystemExit(1)


def serve_lines(site: DemoSite) -> list[str]:
    """What ``demo serve`` prints: the host map as ``ECWATCH_HOST_MAP`` takes it and a crawl to copy."""
    overrides = demo_overrides(site)
    shown = {name: int(value) if isinstance(value, bool) else value for name, value in overrides.items()}
    settings = [arg for name in HAND_CRAWL_SETTINGS for arg in ("-s", f"{name}={shown[name]}")]
    return [
        tr("Demo shops on http://127.0.0.1:{port}/ (Ctrl-C to stop).", port=site.port),
        tr("Host map (the form ECWATCH_HOST_MAP takes):"),
        f"  ECWATCH_HOST_MAP={format_host_map(site.host_map())}",
        tr("Shops: {urls}", urls=" ".join(demo_seeds(site))),
        tr("Portal stand-in: {url}", url=site.portal_url),
        tr("Try a crawl, in another terminal:"),
        "  " + command_line("crawl", "storefront", "--url", site.url(GIADUNG), *settings),
    ]


@demo.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: a free one).")
def demo_serve(port: int) -> None:
    """Serve the demo shops on 127.0.0.1 until Ctrl-C; print the host map and a crawl to try.

    Example:

    \b
        ecwatch demo serve --port 8642
    """
    try:
        site = DemoSite(port).start()
    except OSError as exc:
        raise click.BadParameter(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", param_hint="'--port'") from None
    try:
        for line in serve_lines(site):
            say(line)
        sys.stdout.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        say(tr("Stopped."))
    finally:
        site.stop()


COMMANDS = (demo,)
