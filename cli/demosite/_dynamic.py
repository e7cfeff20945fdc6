"""Routes that cannot be static files: redirects and pages that must carry the
server's real port, error statuses, the page that never finishes.

Each route takes an ``Ask`` and returns a ``Reply``; ``route`` returns ``None``
when the static files should answer instead.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from cli.demosite._hosts import CHOSI, DEMO_HOSTS, GIADUNG, LOCAL_HOSTS, QUANGCAO, SHOPJS

HTML_TYPE = "text/html; charset=utf-8"

# How long /slow/never holds its connection when nobody stops the server.
SLOW_HOLD_SECONDS = 120.0

_STATUS_RE = re.compile(r"/status/(\d{3})$")
_AD_RE = re.compile(r"^/(c|lp|go)/([A-Z0-9]+)$")


@dataclass(frozen=True)
class Ask:
    host: str  # lower-case, without port
    path: str  # without query
    port: int  # the server's port, for absolute URLs

    def origin(self, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = HTML_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    # Send the headers and ``body`` under a larger Content-Length, then hold
    # the connection until the server stops (or SLOW_HOLD_SECONDS pass).
    stall_length: int | None = None


@dataclass(frozen=True)
class Ad:
    """One advertisement whose click URL leads to a demo page."""

    ad_id: str
    source: str
    first_seen: str
    headline: str
    target_host: str
    target_path: str
    chain: bool = True  # 302 -> meta refresh -> JS redirect; False: one 302


ADS: tuple[Ad, ...] = (
    Ad("AD001", "facebook_ad_library", "2026-11-18", "Nồi chiên không dầu 5L giảm sốc chỉ 790K",
       GIADUNG, "/san-pham/noi-chien-khong-dau-5l/?utm_source=facebook&utm_campaign=AD001"),
    Ad("AD002", "google_ads_transparency", "2026-11-19", "Quay là trúng - Vòng quay may mắn Chợ Sỉ",
       CHOSI, "/khuyen-mai/vong-quay-may-man"),
    Ad("AD003", "tiktok_ad_library", "2026-11-20", "Tai nghe không dây giảm 59%",
       SHOPJS, "/p/SJS002"),
    # An expired campaign: the landing page is gone.
    Ad("AD004", "facebook_ad_library", "2026-11-21", "Black Friday đồ gia dụng",
       GIADUNG, "/khuyen-mai/black-friday/status/404", chain=False),
)
_ADS_BY_ID = {ad.ad_id: ad for ad in ADS}


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    ).encode()


def redirect(status: int, location: str) -> Reply:
    body = _page("Chuyển hướng", f'<p>Trang đã chuyển tới <a href="{html.escape(location)}">đây</a>.</p>')
    return Reply(status, body, headers=(("Location", location),))


def not_found(what: str = "Không tìm thấy trang") -> Reply:
    body = _page("404 - Không tìm thấy trang", f"<h1>404</h1>\n<p>{html.escape(what)}.</p>")
    return Reply(404, body)


def status_page(status: int) -> Reply:
    body = _page(f"Lỗi {status}", f"<h1>Lỗi {status}</h1>\n<p>Máy chủ demo trả về mã {status}.</p>")
    return Reply(status, body)


def _old_product(ask: Ask) -> Reply:
    # A product whose URL changed: crawlers must record the final URL.
    return redirect(301, ask.origin() + "/san-pham/noi-chien-khong-dau-5l/")


def _redirect_out(ask: Ask) -> Reply:
    # Points at the bare IP: a crawler must refuse private targets.
    return redirect(302, ask.origin("127.0.0.1") + "/")


def _slow_never(ask: Ask) -> Reply:
    # The start of a document, cut mid-paragraph: the rest never comes.
    start = _page("Đang tải...", "<p>Đang tải dữ liệu sản phẩm").split(b"\n</body>", 1)[0]
    return Reply(200, start, stall_length=len(start) + 1_000_000)


def _local_index(ask: Ask) -> Reply:
    items = "\n".join(
        f'<li><a href="{ask.origin(host)}/">{host}</a></li>' for host in DEMO_HOSTS
    )
    body = (
        "<h1>ecwatch demo site</h1>\n<p>Máy chủ này trả lời theo tiêu đề Host. "
        f"Ánh xạ các tên sau tới 127.0.0.1:</p>\n<ul>\n{items}\n</ul>"
    )
    return Reply(200, _page("ecwatch demo site", body))


def _ad_click(ask: Ask, ad: Ad) -> Reply:
    if not ad.chain:
        return redirect(302, ask.origin(ad.target_host) + ad.target_path)
    return redirect(302, ask.origin() + f"/lp/{ad.ad_id}")


def _ad_landing(ask: Ask, ad: Ad) -> Reply:
    # Delay 0: Scrapy's MetaRefreshMiddleware follows it, so only the last
    # (JavaScript) hop needs a browser.
    head = f'<meta http-equiv="refresh" content="0; url=/go/{ad.ad_id}">\n'
    body = (
        f"<h1>{html.escape(ad.headline)}</h1>\n"
        f'<p>Nếu trình duyệt không tự chuyển, <a href="/go/{ad.ad_id}">bấm vào đây</a>.</p>'
    )
    return Reply(200, _page(ad.headline, body, head))


def _ad_go(ask: Ask, ad: Ad) -> Reply:
    target = ask.origin(ad.target_host) + ad.target_path
    body = (
        "<p>Đang chuyển tới trang bán hàng...</p>\n"
        f"<script>\nwindow.location.href = {_js_string(target)};\n</script>\n"
        f'<noscript><a href="{html.escape(target)}">Tiếp tục</a></noscript>'
    )
    return Reply(200, _page("Đang chuyển hướng", body))


def _js_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("</", "<\\/") + '"'


_AD_STEPS: dict[str, Callable[[Ask, Ad], Reply]] = {"c": _ad_click, "lp": _ad_landing, "go": _ad_go}


def _ad_route(ask: Ask) -> Reply | None:
    match = _AD_RE.match(ask.path)
    if match is None:
        return None
    ad = _ADS_BY_ID.get(match.group(2))
    if ad is None:
        return not_found("Quảng cáo không tồn tại")
    return _AD_STEPS[match.group(1)](ask, ad)


_EXACT: dict[tuple[str, str], Callable[[Ask], Reply]] = {
    (GIADUNG, "/old-product"): _old_product,
    (GIADUNG, "/redirect-out"): _redirect_out,
    (GIADUNG, "/slow/never"): _slow_never,
}


def route(ask: Ask) -> Reply | None:
    status = _STATUS_RE.search(ask.path)
    if status is not None and 400 <= int(status.group(1)) <= 599:
        return status_page(int(status.group(1)))
    if ask.host in LOCAL_HOSTS:
        return _local_index(ask) if ask.path == "/" else not_found()
    exact = _EXACT.get((ask.host, ask.path))
    if exact is not None:
        return exact(ask)
    if ask.host == QUANGCAO:
        return _ad_route(ask)
    return None
