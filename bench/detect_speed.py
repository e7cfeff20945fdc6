"""Throughput of ``ecwatch detect --batch`` on one core, against an lxml parse-only baseline.

    python -m bench.detect_speed [--pages 400]

Builds a batch of synthetic Vietnamese product pages (~60 KB, JSON-LD, price pairs, footer
with badge), then times, in this same run and pinned to one core where possible:
  baseline  lxml.html.fromstring + three XPath queries per page (the parse floor)
  detect    the whole ``ecwatch detect --batch`` path in-process (read, parse_page, detect, JSON out)
and prints pages/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import tempfile
import time
from datetime import date
from pathlib import Path

import lxml.html

PARAGRAPH = ("Sản phẩm chính hãng, bảo hành 12 tháng, giao hàng toàn quốc. Đổi trả trong 7 ngày nếu lỗi "
             "do nhà sản xuất. Thanh toán khi nhận hàng (COD), MoMo, VNPay. ")


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + "₫"


def synthetic_page(n: int, rng: random.Random) -> str:
    old = rng.randrange(200, 5000) * 1000
    new = int(old * rng.uniform(0.3, 0.95)) // 1000 * 1000
    related = "".join(f'<li class="product-item"><a href="/products/sp-{n}-{i}">Sản phẩm {i}</a>'
                      f'<span class="price">{rng.randrange(100, 900)}.000₫</span></li>' for i in range(24))
    body = "".join(f"<p>{PARAGRAPH * 3}</p>" for _ in range(60))
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Sản phẩm {n}</title>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Product","name":"Nồi cơm điện {n}",
"offers":{{"@type":"Offer","price":"{new}","priceCurrency":"VND"}}}}</script></head><body>
<header><a href="/">Trang chủ</a> <a href="/gio-hang">Giỏ hàng</a> Hotline 0901 234 567</header>
<div class="product-detail"><h1>Nồi cơm điện {n}</h1><div class="price-box"><del class="old-price">{vnd(old)}</del>
<span class="special-price">{vnd(new)}</span></div><button>Thêm vào giỏ</button><button>Mua ngay</button></div>
<div class="description">{body}</div><ul class="related">{related}</ul>
<footer>Công ty TNHH Gia Dụng Demo, MST 0312345678, Phường Bến Nghé, TP.HCM
<a href="http://online.gov.vn/Home/WebDetails/{100000 + n}"><img src="/logoSaleNoti.png" alt="Đã thông báo Bộ Công Thương"></a></footer>
</body></html>"""


def write_batch(directory: Path, pages: int) -> Path:
    rng = random.Random(20261123)
    batch = directory / "cases.jsonl"
    with batch.open("w", encoding="utf-8") as handle:
        for n in range(pages):
            (directory / f"p{n}.html").write_text(synthetic_page(n, rng), encoding="utf-8")
            handle.write(json.dumps({"id": n, "path": f"p{n}.html", "url": f"https://demo-giadung.vn/p/{n}",
                                     "on": "2026-11-20"}) + "\n")
    return batch


def time_baseline(directory: Path, pages: int) -> float:
    start = time.perf_counter()
    for n in range(pages):
        tree = lxml.html.fromstring((directory / f"p{n}.html").read_bytes())
        tree.xpath("//h1//text()"), tree.xpath("//a/@href"), tree.xpath('//script[@type="application/ld+json"]')
    return time.perf_counter() - start


def time_detect(batch: Path) -> float:
    from cli.detect import run_batch
    from detectors import InMemoryRegistry, default_rulebook

    out = io.StringIO()
    start = time.perf_counter()
    cases, errors = run_batch(batch, InMemoryRegistry([]), date(2026, 11, 20), out, default_rulebook())
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{errors} of {cases} cases failed")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=400)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        batch = write_batch(directory, args.pages)
        size = sum(p.stat().st_size for p in directory.glob("*.html")) / args.pages / 1024
        time_detect(write_batch(Path(tempfile.mkdtemp()), 5))  # warm-up: language model, rules
        baseline = time_baseline(directory, args.pages)
        detect = time_detect(batch)
    print(f"pages: {args.pages} of {size:.0f} KB, one core")
    print(f"baseline (lxml parse + 3 xpath): {args.pages / baseline:8.1f} pages/s")
    print(f"ecwatch detect --batch:          {args.pages / detect:8.1f} pages/s")
    print(f"ratio detect / baseline:         {baseline / detect:8.3f}")


if __name__ == "__main__":
    main()


def measure(pages: int) -> dict[str, float]:
    """(c) of ``python -m bench``: both on one core, the same pages, this process's affinity restored after."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else None
    if cores:
        os.sched_setaffinity(0, {sorted(cores)[0]})
    try:
        with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as warm:
            directory = Path(tmp)
            batch = write_batch(directory, pages)
            size = sum(p.stat().st_size for p in directory.glob("*.html")) / pages / 1024
            time_detect(write_batch(Path(warm), 5))  # warm-up: language model, rules
            baseline = time_baseline(directory, pages)
            detect = time_detect(batch)
    finally:
        if cores:
            os.sched_setaffinity(0, cores)
    return {"pages": pages, "page_kib": round(size, 1), "baseline_pages_per_s": round(pages / baseline, 1),
            "detect_pages_per_s": round(pages / detect, 1), "ratio": round(baseline / detect, 4)}
