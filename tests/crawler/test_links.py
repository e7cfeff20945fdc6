from __future__ import annotations

import pytest

from crawler.links import LinkKind, classify, normalize


@pytest.mark.parametrize(("url", "kind"), [
    ("https://shop.vn/products/ao-thun-nam", LinkKind.PRODUCT),
    ("https://shop.vn/san-pham/noi-com-dien-1-8l", LinkKind.PRODUCT),
    ("https://shop.vn/ao-so-mi-nam-tay-dai.html", LinkKind.PRODUCT),
    ("https://shop.vn/tai-nghe-bluetooth-p12345.html", LinkKind.PRODUCT),
    ("https://shop.vn/collections/ao-nam", LinkKind.CATEGORY),
    ("https://shop.vn/danh-muc/gia-dung", LinkKind.CATEGORY),
    ("https://cho.vn/shop/gian-hang-abc", LinkKind.CATEGORY),
    ("https://shop.vn/collections/ao-nam?page=2", LinkKind.PAGINATION),
    ("https://shop.vn/danh-muc/gia-dung/page/3", LinkKind.PAGINATION),
    ("https://shop.vn/khuyen-mai-thang-11", LinkKind.PROMOTION),
    ("https://cho.vn/vong-quay-may-man", LinkKind.PROMOTION),
    ("https://shop.vn/account/login", LinkKind.SKIP),
    ("https://shop.vn/dang-nhap", LinkKind.SKIP),
    ("https://shop.vn/gio-hang", LinkKind.SKIP),
    ("https://shop.vn/cart", LinkKind.SKIP),
    ("https://shop.vn/checkout", LinkKind.SKIP),
    ("https://shop.vn/search?q=ao", LinkKind.SKIP),
    ("https://shop.vn/collections/ao-nam?sort=price-asc", LinkKind.SKIP),
    ("https://shop.vn/products/ao?add-to-cart=12", LinkKind.SKIP),
    ("https://shop.vn/img/banner.jpg", LinkKind.SKIP),
    ("mailto:cskh@shop.vn", LinkKind.SKIP),
    ("tel:0901234567", LinkKind.SKIP),
    ("javascript:void(0)", LinkKind.SKIP),
    ("https://shop.vn/gioi-thieu", LinkKind.OTHER),
])
def test_classify(url: str, kind: LinkKind) -> None:
    assert classify(url) == kind


def test_normalize_drops_fragments_and_tracking_and_sorts_the_query() -> None:
    assert normalize("https://shop.vn/p/a?utm_source=fb&b=2&a=1#reviews") == "https://shop.vn/p/a?a=1&b=2"
    assert normalize("https://shop.vn") == "https://shop.vn/"
