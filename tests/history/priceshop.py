"""A shop on 127.0.0.1 whose prices change from night to night (``shop.night = 5``), for the history rules.

Every product page is one product card. What each product does, night by night:

- ``/p/fake`` (declares ``sku`` FAKE-1 in JSON-LD): 700.000₫ for four nights, then "giá gốc" 1.400.000₫
  struck beside the same 700.000₫: a reference never charged (PROMO-FAKE-REF from night 5);
- ``/p/honest``: 1.000.000₫ for four nights, then 1.000.000₫ struck beside 700.000₫: a real price cut;
- ``/p/rose``: 1.000.000₫, 1.200.000₫ on night 3, back to 1.000.000₫, then 1.200.000₫ struck beside
  1.000.000₫: the reference was charged within the window;
- ``/p/new``: first listed on night 4, always 1.400.000₫ struck beside 700.000₫: too few observations
  until night 7, when three earlier nights never charged the reference;
- ``/p/countdown``: 900.000₫ for three nights, then 900.000₫ struck beside 500.000₫ under "Kết thúc sau
  02:00:00" on every visit: a countdown that resets (PROMO-FAKE-URGENCY from night 5);
- ``/p/flash``: the same offer with a fixed "Kết thúc lúc 23:59 ngày 31/10/2026": an honest deadline;
- ``/p/deep``: 1.000.000₫ struck beside 400.000₫ every night: 60 % off (PROMO-DISC-50 on every page) and,
  from night 4, a reference never charged.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import ThreadingHTTPServer

from ..htmlserver import html_handler

HOST = "gia-dem.vn"
NIGHT_1 = datetime(2026, 9, 30, 19, 0, tzinfo=timezone.utc)  # 01/10/2026 02:00 in Vietnam
PRODUCTS = ("/p/fake", "/p/honest", "/p/rose", "/p/new", "/p/countdown", "/p/flash", "/p/deep")


def night_time(night: int, hours: float = 0) -> datetime:
    """When the crawl of ``night`` (1 = 01/10/2026) fetched its pages, ``hours`` later for a revisit."""
    return NIGHT_1 + timedelta(days=night - 1, hours=hours)


def _dong(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + "₫"


class PriceShop:
    def __init__(self) -> None:
        self.night = 1
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), html_handler(self.page))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def fetch(self, path: str) -> bytes:
        """The page as the server sends it tonight (connecting to 127.0.0.1, as a host map would)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers={"Host": HOST})
        with urllib.request.urlopen(request, timeout=10) as response:
            return bytes(response.read())

    def __enter__(self) -> PriceShop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def offer(self, path: str) -> tuple[int, int | None, str] | None:
        """(price, struck reference or None, deadline words) tonight; None when not listed."""
        n = self.night
        if path == "/p/fake":
            return (700_000, None if n < 5 else 1_400_000, "")
        if path == "/p/honest":
            return (1_000_000, None, "") if n < 5 else (700_000, 1_000_000, "")
        if path == "/p/rose":
            return (1_200_000 if n == 3 else 1_000_000, None if n < 5 else 1_200_000, "")
        if path == "/p/new":
            return None if n < 4 else (700_000, 1_400_000, "")
        if path == "/p/deep":
            return (400_000, 1_000_000, "")
        if path in ("/p/countdown", "/p/flash"):
            if n < 4:
                return (900_000, None, "")
            words = "Kết thúc sau 02:00:00" if path == "/p/countdown" else "Kết thúc lúc 23:59 ngày 31/10/2026"
            return (500_000, 900_000, words)
        return None

    def page(self, path: str) -> bytes | None:
        offer = self.offer(path)
        if offer is None:
            return None
        price, reference, deadline = offer
        name = f"Nồi cơm điện {path.rsplit('/', 1)[-1]}"
        struck = f'<del class="price-old">{_dong(reference)}</del> ' if reference else ""
        sale_class = "price-sale" if reference else "price"
        structured = ""
        if path == "/p/fake":
            data = {"@context": "https://schema.org", "@type": "Product", "name": name, "sku": "FAKE-1",
                    "offers": {"@type": "Offer", "price": str(price), "priceCurrency": "VND"}}
            structured = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        timer = f'<div class="flash-sale-timer">{deadline}</div>' if deadline else ""
        return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{name} - Gia Dụng Đêm</title>{structured}</head>
<body><main>
  <h1>Gia Dụng Đêm</h1>
  <div class="product-card">
    <h3 class="product-name">{name}</h3>
    <div class="product-price">{struck}<span class="{sale_class}">{_dong(price)}</span></div>
    {timer}
  </div>
  <p>Giao hàng toàn quốc, thanh toán khi nhận hàng (COD).</p>
  <form action="/gio-hang/them" method="post"><button type="submit">Thêm vào giỏ hàng</button></form>
</main></body></html>""".encode()
