"""Static against rendered crawling on a local synthetic shop, and the memory of a rendered crawl.

    python -m bench.render_bench [--products 500] [--evidence 60] [--json]

A stdlib ``ThreadingHTTPServer`` on 127.0.0.1 serves ``bench-shop.vn`` (through ECWATCH_HOST_MAP):
an index, one category page per 50 products, and ``--products`` product pages of about 30 KB
whose name, price and description are built by JavaScript from inline JSON on DOMContentLoaded
(with a stylesheet, a logo and a product photo). Each measurement is a real ``ecwatch crawl
storefront`` in its own subprocess, detection and storage included, on the same site:

  static     ECWATCH_RENDER=never: Scrapy's HTTP path only (the shells, as served)
  rendered   ECWATCH_RENDER=always: every page in headless Chromium (discovery renders)
  evidence   ``--evidence`` plain pages that each carry a 60 % discount (nothing to render, so
             ECWATCH_RENDER=auto fetches them over HTTP): every page gets a browser evidence visit
             (scroll, settle, full-page screenshot, DOM, WARC)

``static`` and ``rendered`` run with ECWATCH_EVIDENCE=0 so they compare fetching alone. Pages/min
is stored snapshots over the crawl's own elapsed time (Scrapy's ``elapsed_time_seconds``, which
includes the browser's start). While each crawl runs, the whole process tree (Python, the
Playwright node driver, every Chromium process) is sampled every 0.2 s from /proc: peak PSS
(``smaps_rollup``; shared pages split between the processes that map them) and peak summed RSS
(which counts Chromium's shared pages once per process, so it overstates). Peak PSS in the first
and second half of the crawl shows whether memory grows with the pages. No assertions: figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "bench-shop.vn"
PER_CATEGORY = 50
BROWSER_PAGES = 4
ROOT = Path(__file__).resolve().parents[1]
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a2a4b0"
    "3c0000000049454e44ae426082"
)
_WORDS = ("Sản phẩm chính hãng, bảo hành mười hai tháng, giao hàng toàn quốc trong hai ngày, "
          "đổi trả miễn phí trong bảy ngày nếu có lỗi của nhà sản xuất. ")
_APP_JS = """document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(document.getElementById("product-data").textContent);
  var html = '<h1 class="product-name">' + data.name + '</h1><div class="price">' +
    '<del>' + data.was + '₫</del> <span class="price-current">' + data.price + '₫</span></div>';
  for (var i = 0; i < data.description.length; i++) { html += "<p>" + data.description[i] + "</p>"; }
  document.getElementById("product").innerHTML = html;
});"""


def product_page(number: int, discount: bool = False, rendered_by_js: bool = True) -> bytes:
    price, was = 790_000 + number * 1_000, (2_000_000 if discount else 890_000) + number * 1_000
    name = f"Nồi chiên không dầu mẫu {number}"
    description = [f"{_WORDS * 3} Mã {number}-{i}." for i in range(40)]
    data = json.dumps({"name": name, "price": f"{price:,}".replace(",", "."), "was": f"{was:,}".replace(",", "."),
                       "description": description}, ensure_ascii=False)
    if rendered_by_js:
        block = '<div id="product"></div>'
        script = f'<script id="product-data" type="application/json">{data}</script><script src="/app.js"></script>'
    else:
        paragraphs = "".join(f"<p>{d}</p>" for d in description)
        block = (f'<div id="product"><h1>{name}</h1><del>{was:,}₫</del> <span class="price">{price:,}₫</span>'
                 f"{paragraphs}</div>").replace(",", ".")
        script = ""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>' + name + " | Bench Shop</title>"
        '<link rel="stylesheet" href="/style.css"></head><body><header><img src="/logo.png" alt="Bench Shop">'
        '<a href="/">Trang chủ</a> <a href="/gio-hang">Giỏ hàng</a></header>'
        f'<main>{block}<img src="/img/{number}.png" alt="">'
        '<button class="add-to-cart">Thêm vào giỏ hàng</button></main>'
        "<footer>Công ty TNHH Bench Shop – MST 0109990099 – Hotline 0912 000 000</footer>"
        f"{script}</body></html>"
    ).encode()


def listing(title: str, links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1><ul>{items}</ul></body></html>").encode()


class Shop:
    """``/`` -> ``/danh-muc/<k>`` -> ``/san-pham/<i>``; ``/khuyen-mai/<i>``: plain pages with a 60 % discount."""

    def __init__(self, products: int, evidence: int) -> None:
        self.products, self.evidence = products, evidence

    def answer(self, path: str) -> tuple[int, str, bytes]:
        html = "text/html; charset=utf-8"
        if path == "/":
            categories = [f"/danh-muc/{k}" for k in range(1, (self.products - 1) // PER_CATEGORY + 2)]
            return 200, html, listing("Bench Shop", categories)  # the evidence pages have their own crawl
        if path == "/khuyen-mai":
            return 200, html, listing("Khuyến mãi", [f"/khuyen-mai/{i}" for i in range(1, self.evidence + 1)])
        kind, _, number = path.strip("/").partition("/")
        if kind == "danh-muc" and number.isdigit():
            first = (int(number) - 1) * PER_CATEGORY + 1
            last = min(first + PER_CATEGORY, self.products + 1)
            return 200, html, listing(f"Danh mục {number}", [f"/san-pham/{i}" for i in range(first, last)])
        if kind == "san-pham" and number.isdigit():
            return 200, html, product_page(int(number))
        if kind == "khuyen-mai" and number.isdigit():
            return 200, html, product_page(int(number), discount=True, rendered_by_js=False)
        if path == "/app.js":
            return 200, "text/javascript; charset=utf-8", _APP_JS.encode()
        if path == "/style.css":
            return 200, "text/css", b"body{font-family:sans-serif;max-width:960px;margin:auto}.price{color:#c00}"
        if path.endswith(".png"):
            return 200, "image/png", _PNG
        return 404, html, listing("404", [])


def serve(shop: Shop) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, content_type, body = shop.answer(self.path.split("?", 1)[0])
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


# --- memory of a process tree -----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue.extend(_children(current))
    return pids


def _kib(path: str, field_name: str) -> int:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    samples: list[tuple[float, int, int, int]] = field(default_factory=list)  # (t, pss, rss, processes)

    def sample(self, pid: int, started: float) -> None:
        pids = tree(pid)
        pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
        rss = sum(_kib(f"/proc/{p}/status", "VmRSS:") for p in pids)
        self.samples.append((time.monotonic() - started, pss, rss, len(pids)))

    def peak(self, column: int, part: slice = slice(None)) -> float:
        values = [sample[column] for sample in self.samples[part]]
        return max(values) / 1024 if values else 0.0


def watch(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], Memory]:
    """Run ``command``, sampling its process tree's memory until it ends."""
    memory, started = Memory(), time.monotonic()
    output: list[tuple[str, str]] = []
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        reader = threading.Thread(target=lambda: output.append(process.communicate()), daemon=True)
        reader.start()
        while reader.is_alive():
            memory.sample(process.pid, started)
            reader.join(0.2)
    stdout, stderr = output[0]
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), memory


# --- one crawl --------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    pages: int
    seconds: float
    pages_per_min: float
    peak_pss_mib: float
    peak_rss_mib: float
    peak_pss_first_half_mib: float
    peak_pss_second_half_mib: float
    max_processes: int
    stats: dict[str, Any]


def crawl(name: str, port: int, start_path: str, settings: dict[str, object], pages_cap: int) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"render-bench-{name}-") as data_dir:
        overrides: dict[str, object] = {
            "ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{port}", "ECWATCH_HOST_MAP": f"{HOST}=127.0.0.1",
            "ECWATCH_RESOLVE_BADGES": False, "ECWATCH_PROGRESS_INTERVAL": 0, "ECWATCH_MAX_PAGES_PER_SITE": pages_cap,
            "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "DEPTH_LIMIT": 3, "LOG_LEVEL": "INFO", "ECWATCH_BROWSER_PAGES": BROWSER_PAGES, **settings,
        }
        command = [sys.executable, "-m", "cli.main", "crawl", "storefront", "--url", f"http://{HOST}:{port}{start_path}"]
        for key, value in overrides.items():
            command += ["-s", f"{key}={value}"]
        env = {**os.environ, "ECWATCH_DATA_DIR": data_dir}
        env.pop("ECWATCH_DATABASE_URL", None)
        completed, memory = watch(command, env)
        if completed.returncode != 0:
            raise SystemExit(f"{name} crawl failed:\n{completed.stdout}\n{completed.stderr}")
        stats = _run_stats(Path(data_dir))
    seconds = float(stats.get("elapsed_time_seconds", 0.0))
    pages = int(stats.get("ecwatch/snapshots", 0))
    half = len(memory.samples) // 2
    return Result(
        name=name, pages=pages, seconds=round(seconds, 1), pages_per_min=round(pages / seconds * 60, 1),
        peak_pss_mib=round(memory.peak(1), 1), peak_rss_mib=round(memory.peak(2), 1),
        peak_pss_first_half_mib=round(memory.peak(1, slice(0, half)), 1),
        peak_pss_second_half_mib=round(memory.peak(1, slice(half, None)), 1),
        max_processes=max((s[3] for s in memory.samples), default=0),
        stats={k: v for k, v in stats.items()
               if k.startswith(("ecwatch/render", "ecwatch/evidence", "playwright/page_count"))},
    )


def _run_stats(data_dir: Path) -> dict[str, Any]:
    from sqlalchemy import select

    from storage.db import make_engine, session_scope
    from storage.models import CrawlRun

    engine = make_engine(f"sqlite:///{data_dir / 'ecwatch.db'}")
    try:
        with session_scope(engine) as session:
            run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
            return dict(run.stats) if run else {}
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=500, help="JS-built product pages (default 500)")
    parser.add_argument("--evidence", type=int, default=60, help="plain pages with a finding each (default 60)")
    parser.add_argument("--browser-pages", type=int, default=4, help="ECWATCH_BROWSER_PAGES (default 4)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    global BROWSER_PAGES
    BROWSER_PAGES = args.browser_pages
    shop = Shop(args.products, args.evidence)
    server = serve(shop)
    port = server.server_address[1]
    cap = args.products + args.products // PER_CATEGORY + 10
    try:
        results = [
            crawl("static", port, "/", {"ECWATCH_RENDER": "never", "ECWATCH_EVIDENCE": False}, cap),
            crawl("rendered", port, "/", {"ECWATCH_RENDER": "always", "ECWATCH_EVIDENCE": False}, cap),
        ]
        if args.evidence:
            results.append(crawl("evidence", port, "/khuyen-mai", {"ECWATCH_RENDER": "auto"}, args.evidence + 5))
    finally:
        server.shutdown()
    static, rendered = results[0], results[1]
    ratio = static.pages_per_min / rendered.pages_per_min if rendered.pages_per_min else float("inf")
    if args.json:
        print(json.dumps({"results": [asdict(r) for r in results], "static_to_rendered": round(ratio, 1)}, indent=2))
        return 0
    print(f"{'crawl':<10}{'pages':>7}{'seconds':>9}{'pages/min':>11}{'peak PSS':>10}{'1st half':>10}"
          f"{'2nd half':>10}{'peak ΣRSS':>11}{'procs':>7}")
    for r in results:
        print(f"{r.name:<10}{r.pages:>7}{r.seconds:>9}{r.pages_per_min:>11}{r.peak_pss_mib:>9.0f}M"
              f"{r.peak_pss_first_half_mib:>9.0f}M{r.peak_pss_second_half_mib:>9.0f}M{r.peak_rss_mib:>10.0f}M"
              f"{r.max_processes:>7}")
    print(f"static / rendered pages per minute: {ratio:.1f}x")
    for r in results[1:]:
        print(f"{r.name}: {json.dumps(r.stats, sort_keys=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def measure(products: int, evidence: int = 0) -> dict[str, Any]:
    """(d) of ``python -m bench``: static vs rendered on a shop of ``products`` JS-built pages."""
    shop = Shop(products, evidence)
    server = serve(shop)
    port = server.server_address[1]
    cap = products + products // PER_CATEGORY + 10
    try:
        static = crawl("static", port, "/", {"ECWATCH_RENDER": "never", "ECWATCH_EVIDENCE": False}, cap)
        rendered = crawl("rendered", port, "/", {"ECWATCH_RENDER": "always", "ECWATCH_EVIDENCE": False}, cap)
    finally:
        server.shutdown()
    return {"products": products, "static_pages_per_min": static.pages_per_min,
            "rendered_pages_per_min": rendered.pages_per_min,
            "static_to_rendered": round(static.pages_per_min / rendered.pages_per_min, 1) if rendered.pages_per_min else None,
            "rendered_peak_pss_mib": rendered.peak_pss_mib, "rendered_pss_first_half_mib": rendered.peak_pss_first_half_mib,
            "rendered_pss_second_half_mib": rendered.peak_pss_second_half_mib}
