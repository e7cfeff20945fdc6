"""A small shop on 127.0.0.1 whose offer changes from night to night (``shop.night = 2``).

Host ``cho-dem.vn`` (mapped to 127.0.0.1 by the crawl's host map). Every page repeats the same product
card, so one discount is shown by several pages, and the same footer: an unlinked copy of the MOIT
badge image and no link to a portal record. ``discounted_nights`` says on which nights the product is
60 % off; on the others it sells at its regular price with nothing struck.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any

from ..htmlserver import html_handler

HOST = "cho-dem.vn"
PAGES = ("/", "/danh-muc/gia-dung", "/san-pham/noi-chien-khong-dau")


class NightShop:
    def __init__(self, discounted_nights: frozenset[int] = frozenset({1, 3})) -> None:
        self.night = 1
        self.discounted_nights = discounted_nights
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), html_handler(self.page))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def settings(self) -> dict[str, Any]:
        return {"ECWATCH_ALLOW_PRIVATE_TARGETS": True, "ECWATCH_HOST_MAP": f"{HOST}=127.0.0.1",
                "ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_START_DELAY": 0,
                "ECWATCH_PROGRESS_INTERVAL": 0, "ECWATCH_RESOLVE_BADGES": False}

    def __enter__(self) -> NightShop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page(self, path: str) -> bytes | None:
        if path not in PAGES:
            return None
        links = "".join(f'<li><a href="{p}">{p.strip("/") or "Trang chủ"}</a></li>' for p in PAGES)
        return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Chợ Đêm Gia Dụng - {path}</title></head>
<body>
<nav><ul>{links}</ul></nav>
<main>
  <h1>Chợ Đêm Gia Dụng</h1>
  {self._product_card()}
  <p>Giao hàng toàn quốc, thanh toán khi nhận hàng (COD), chuyển khoản.</p>
  <form action="/gio-hang/them" method="post"><button type="submit">Thêm vào giỏ hàng</button></form>
</main>
<footer>
  <p>Công ty TNHH Chợ Đêm Gia Dụng - MST 0312345678 - Hotline 0909 123 456</p>
  <img class="bct" src="/img/logoSaleNoti.png" alt="Đã thông báo Bộ Công Thương">
</footer>
</body></html>""".encode()

    def _product_card(self) -> str:
        if self.night in self.discounted_nights:
            prices = '<del class="price-old">1.500.000₫</del> <span class="price-sale">600.000₫</span>'
        else:
            prices = '<span class="price">1.500.000₫</span>'
        return f"""<div class="product-card">
    <h3 class="product-name"><a href="/san-pham/noi-chien-khong-dau">Nồi chiên không dầu 5L</a></h3>
    <div class="product-price">{prices}</div>
  </div>"""
