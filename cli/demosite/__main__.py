"""``python -m cli.demosite [--port N]``: serve the demo site in the foreground.

For people trying the shops by hand: it prints which host names to map to
127.0.0.1 and how to reach a shop without changing any resolver. ``ecwatch demo serve``
does the same and prints a crawl to try.
"""

from __future__ import annotations

import argparse
import threading

from cli.demosite.server import DemoSite
from crawler.netpolicy import format_host_map


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cli.demosite", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    return parser.parse_args(argv)


def _print_usage(site: DemoSite) -> None:
    print(f"ecwatch demo site on http://127.0.0.1:{site.port}/ (Ctrl-C to stop)")
    print("Map these host names to 127.0.0.1:")
    for host in site.host_map():
        print(f"  {site.url(host)}")
    print(f"Host map: ECWATCH_HOST_MAP={format_host_map(site.host_map())}")
    print(f"Portal: {site.portal_url}")
    print(f"Try: curl -H 'Host: demo-thoitrang.vn' http://127.0.0.1:{site.port}/", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    site = DemoSite(args.port).start()
    try:
        _print_usage(site)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
