"""Registrable domains, offline (tldextract's bundled public suffix list)."""

from __future__ import annotations

import pytest

from detectors.domains import host_of, is_vn_domain, registrable_domain


@pytest.mark.parametrize(
    ("url_or_host", "expected"),
    [
        ("https://shop.example.com.vn/san-pham/1", "example.com.vn"),
        ("shop.example.com.vn", "example.com.vn"),
        ("tiki.vn", "tiki.vn"),
        ("https://www.demo-thoitrang.vn:8443/", "demo-thoitrang.vn"),
        ("HTTP://WWW.DEMO-THOITRANG.VN/", "demo-thoitrang.vn"),
        ("a.b.gov.vn", "b.gov.vn"),
        ("http://online.gov.vn/Home/WebDetails/20782", "online.gov.vn"),
        ("https://user:secret@banhang.shopee.vn/", "shopee.vn"),
        ("https://www.example.co.uk/x", "example.co.uk"),
        ("https://xn--bcngthng-s3a.vn/", "xn--bcngthng-s3a.vn"),
        # private suffixes: each tenant of a hosting platform is its own site
        ("https://phuler.myshopify.com/collections/all", "phuler.myshopify.com"),
        ("https://atp-201.github.io/ruou-co-dao/", "atp-201.github.io"),
        # hosts without a public suffix come back as they are
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("http://[::1]:80/", "::1"),
        ("localhost:8080", "localhost"),
        ("http://LOCALHOST/", "localhost"),
        ("intranet", "intranet"),
        ("shop.example.com.", "example.com"),
        ("", ""),
    ],
)
def test_registrable_domain(url_or_host: str, expected: str) -> None:
    assert registrable_domain(url_or_host) == expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("tiki.vn", True),
        ("example.com.vn", True),
        ("b.gov.vn", True),
        ("https://shop.example.net.vn/", True),
        ("example.com", False),
        ("vnexpress.net", False),
        ("vn.example.com", False),
        ("127.0.0.1", False),
        ("", False),
    ],
)
def test_is_vn_domain(domain: str, expected: bool) -> None:
    assert is_vn_domain(domain) is expected


def test_host_of_survives_broken_urls() -> None:
    assert host_of("http://[::1") == ""
    assert host_of("  Example.COM  ") == "example.com"
