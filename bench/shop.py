"""A generated Vietnamese storefront for benchmarks and coverage tests, served on 127.0.0.1.

Home -> categories (paginated) -> products; every product also links to ``related`` other products, so
that most products are first met deep, through chains of related links, before (or after) the category
page that lists them one click from home: the case where a crawl that marks a page seen too early
skips a part of the shop. A JavaScript part (``/sp/js<n>``) builds its product block from inline JSON
after load, for rendered benchmarks. Deterministic for a given ``ShopSpec``.

``python -m bench.shop --products 1000 --out DIR`` writes the pages as files (for nginx).
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

PARAGRAPH = ("Sản phẩm chính hãng, bảo hành 12 tháng, giao hàng toàn quốc. Đổi trả trong 7 ngày nếu lỗi do nhà "
             "sản xuất. Thanh toán khi nhận hàng (COD), MoMo, VNPay, chuyển khoản ngân hàng. ")
ROBOTS = b"User-agent: *\nAllow: /\n"
FEATURED = 4  # products shown on the home page


@dataclass(frozen=True)
class ShopSpec:
    products: int = 1000
    categories: int = 50
    per_page: int = 40  # products listed on a category page; more go to ?page=2...
    related: int = 24
    paragraphs: int = 70  # description length: 70 paragraphs make a page of about 60 KB
    js_products: int = 0
    seed: int = 7
    host: str = "bench-shop.vn"


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + "₫"


class Shop:
    def __init__(self, spec: ShopSpec) -> None:
        self.spec = spec
        rng = random.Random(spec.seed)
        self.category_of = [rng.randrange(spec.categories) for _ in range(spec.products)]
        self.related = [rng.sample(range(spec.products), min(spec.related, spec.products)) for _ in range(spec.products)]
        self.prices = []
        for _ in range(spec.products):
            old = rng.randrange(200, 5000) * 1000
            self.prices.append((old, int(old * rng.uniform(0.3, 0.95)) // 1000 * 1000))

    # --- the link graph (what a crawler can reach) ------------------------------------------------

    def paths(self) -> list[str]:
        paths = ["/"]
        for category in range(self.spec.categories):
            paths += self._category_pages(category)
        paths += [f"/san-pham/p{i}" for i in range(self.spec.products)]
        paths += [f"/sp/js{i}" for i in range(self.spec.js_products)]
        return paths

    def links(self, path: str) -> list[str]:
        if path == "/":
            cats = [f"/danh-muc/c{c}" for c in range(self.spec.categories)]
            featured = [f"/san-pham/p{i}" for i in range(min(FEATURED, self.spec.products))]
            return cats + featured + [f"/sp/js{i}" for i in range(self.spec.js_products)]
        if path.startswith("/danh-muc/"):
            category, page = self._category_and_page(path)
            members = self._members(category)
            shown = members[(page - 1) * self.spec.per_page: page * self.spec.per_page]
            links = [f"/san-pham/p{i}" for i in shown]
            if page * self.spec.per_page < len(members):
                links.append(f"/danh-muc/c{category}?page={page + 1}")
            return links
        if path.startswith("/san-pham/p"):
            product = int(path.rsplit("p", 1)[1])
            return [f"/danh-muc/c{self.category_of[product]}"] + [f"/san-pham/p{i}" for i in self.related[product]]
        return []

    def depths(self) -> dict[str, int]:
        """The shallowest depth of every page from the home page."""
        depths, queue = {"/": 0}, deque(["/"])
        while queue:
            path = queue.popleft()
            for link in self.links(path):
                if link not in depths:
                    depths[link] = depths[path] + 1
                    queue.append(link)
        return depths

    # --- pages ---------------------------------------------------------------------------------------

    def page(self, path: str) -> bytes | None:
        if path == "/robots.txt":
            return ROBOTS
        if path == "/":
            links = self.links("/")
            categories = "".join(f'<li><a href="{link}">Danh mục {link}</a></li>' for link in links
                                 if not link.startswith("/san-pham/"))
            featured = "".join(self._card(i) for i in range(min(FEATURED, self.spec.products)))
            return self._html("Cửa hàng điện máy", self._nav() + f"<ul>{categories}</ul>" + featured)
        if path.startswith("/danh-muc/c"):
            category, page = self._category_and_page(path)
            if category >= self.spec.categories or not self._members(category):
                return None
            cards = "".join(self._card(int(link.rsplit("p", 1)[1])) for link in self.links(path)
                            if link.startswith("/san-pham/"))
            more = [link for link in self.links(path) if link.startswith("/danh-muc/")]
            pager = f'<a class="next" href="{more[0]}">Trang {page + 1}</a>' if more else ""
            return self._html(f"Danh mục {category} - trang {page}", self._nav() + cards + pager)
        if path.startswith("/san-pham/p"):
            product = int(path.rsplit("p", 1)[1])
            return self._html(f"Sản phẩm {product}", self._product(product)) if product < self.spec.products else None
        if path.startswith("/sp/js"):
            product = int(path.removeprefix("/sp/js"))
            return self._js_product(product) if product < self.spec.js_products else None
        return None

    def _category_pages(self, category: int) -> list[str]:
        count = max(1, -(-len(self._members(category)) // self.spec.per_page))
        return [f"/danh-muc/c{category}"] + [f"/danh-muc/c{category}?page={p}" for p in range(2, count + 1)]

    def _members(self, category: int) -> list[int]:
        return [i for i, c in enumerate(self.category_of) if c == category]

    @staticmethod
    def _category_and_page(path: str) -> tuple[int, int]:
        base, _, query = path.partition("?")
        page = int(query.split("=", 1)[1]) if query.startswith("page=") else 1
        return int(base.rsplit("c", 1)[1]), page

    def _nav(self) -> str:
        return '<nav><a href="/">Trang chủ</a> <a href="/gio-hang">Giỏ hàng</a> <a href="/tai-khoan">Tài khoản</a></nav>'

    def _card(self, product: int) -> str:
        old, new = self.prices[product]
        return (f'<div class="product-item"><a href="/san-pham/p{product}" title="Máy xay sinh tố {product}">'
                f'<h3 class="product-name">Máy xay sinh tố {product}</h3></a><div class="price-box">'
                f'<del class="old-price">{vnd(old)}</del> <span class="price">{vnd(new)}</span></div></div>')

    def _product(self, product: int) -> str:
        old, new = self.prices[product]
        related = "".join(f'<li class="product-item"><a href="/san-pham/p{i}">Sản phẩm liên quan {i}</a>'
                          f'<span class="price">{vnd(self.prices[i][1])}</span></li>' for i in self.related[product])
        description = "".join(f"<p>{PARAGRAPH * 3}</p>" for _ in range(self.spec.paragraphs))
        data = {"@context": "https://schema.org", "@type": "Product", "name": f"Máy xay sinh tố {product}",
                "sku": f"SKU{product:05d}", "offers": {"@type": "Offer", "price": new, "priceCurrency": "VND"}}
        return (f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
                f'{self._nav()}<h1 class="product-title">Máy xay sinh tố {product}</h1>'
                f'<div class="price-box"><del class="old-price">{vnd(old)}</del> <span class="price">{vnd(new)}</span>'
                f'</div><button class="add-to-cart">Thêm vào giỏ hàng</button>'
                f'<a href="/danh-muc/c{self.category_of[product]}">Danh mục</a>'
                f'<div class="description">{description}</div><ul class="related">{related}</ul>')

    def _js_product(self, product: int) -> bytes:
        old, new = self.prices[product % self.spec.products]
        data = json.dumps({"name": f"Nồi chiên {product}", "old": vnd(old), "price": vnd(new)}, ensure_ascii=False)
        script = ("document.addEventListener('DOMContentLoaded',()=>{const d=JSON.parse(document.getElementById('d')"
                  ".textContent);document.getElementById('app').innerHTML='<h1>'+d.name+'</h1><del class=\"old-price\">'"
                  "+d.old+'</del> <span class=\"price\">'+d.price+'</span><button>Thêm vào giỏ hàng</button>';});")
        description = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(self.spec.paragraphs // 2))
        return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Nồi chiên {product}</title>'
                f'<script id="d" type="application/json">{data}</script><script>{script}</script></head>'
                f'<body><div id="app"></div><div class="description">{description}</div></body></html>').encode()

    def _html(self, title: str, body: str) -> bytes:
        footer = ('<footer><p>Công ty TNHH Điện Máy Bench - MST 0312345678 - Hotline 0909 123 456</p>'
                  '<p>Giao hàng toàn quốc, thanh toán khi nhận hàng.</p></footer>')
        return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
                f'<meta property="og:title" content="{title}"></head><body>{body}{footer}</body></html>').encode()


class ShopServer:
    """The shop over HTTP/1.1 (keep-alive) on 127.0.0.1, pages built on request."""

    def __init__(self, shop: Shop, delay: float = 0.0, gate: Callable[[str], None] | None = None) -> None:
        self.shop = shop
        self.delay = delay  # seconds before each answer: a slower shop, for tests that stop a crawl midway
        self.gate = gate  # called with each path before it is answered: a test may hold some pages there
        self.fetched: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://{self.shop.spec.host}:{self.port}{path}"

    def __enter__(self) -> ShopServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if server.delay:
                    time.sleep(server.delay)
                if server.gate is not None:
                    server.gate(self.path)
                body = server.shop.page(self.path)
                with server._lock:
                    server.fetched[self.path] = server.fetched.get(self.path, 0) + 1
                kind = "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8"
                self.send_response(200 if body is not None else 404)
                body = body if body is not None else b"<html><body>404</body></html>"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def write_files(shop: Shop, out: Path) -> int:
    """Every page as a file for a static server: ``?page=N`` becomes ``__page=N`` (see bench's nginx conf)."""
    count = 0
    for path in ["/robots.txt", *shop.paths()]:
        body = shop.page(path)
        assert body is not None
        name = path.replace("?", "__") if path != "/" else "/index.html"
        target = out / name.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--js-products", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(write_files(Shop(ShopSpec(products=args.products, js_products=args.js_products)), args.out), "files")


if __name__ == "__main__":
    main()
