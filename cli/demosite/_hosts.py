"""Host names of the demo site: one static directory under ``sites/`` each."""

from __future__ import annotations

THOITRANG = "demo-thoitrang.vn"  # fashion shop, valid notified badge
GIADUNG = "demo-giadung.vn"  # household shop, no badge, unlawful promotions
CHOSI = "demo-chosi.vn"  # marketplace showing only a notified (blue) badge
BANHANG = "demo-banhang.vn"  # small shop showing a badge borrowed from THOITRANG
SHOPJS = "demo-shopjs.vn"  # client-rendered shop: prices arrive as JSON
QUANGCAO = "demo-quangcao.vn"  # ad click tracker: redirect chains to the shops
PORTAL = "online.gov.vn"  # stand-in of the e-commerce management portal

DEMO_HOSTS: tuple[str, ...] = (THOITRANG, GIADUNG, CHOSI, BANHANG, SHOPJS, QUANGCAO, PORTAL)

# The shops a crawl starts from; the JS shop and the ad host are reached
# through their own tests (rendering, ad chains), the portal only via badges.
STOREFRONTS: tuple[str, ...] = (THOITRANG, GIADUNG, CHOSI, BANHANG)

# Names under which the bare server answers (no demo Host header): an index
# page, which is also the private target of GIADUNG's /redirect-out.
LOCAL_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost"})
