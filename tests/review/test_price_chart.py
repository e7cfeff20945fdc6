"""The finding page of a price-history finding draws the product's series, inline and escaped."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from storage.blobs import BlobStore
from storage.db import session_scope
from storage.models import Finding

from ..history.nights import crawl_nights
from ..history.priceshop import PriceShop
from .conftest import sign_in


def test_a_fake_reference_finding_shows_its_price_chart(client: TestClient, app_engine: Engine,
                                                        data_dir: Path) -> None:
    with PriceShop() as shop:
        crawl_nights(app_engine, BlobStore(data_dir), shop, range(1, 6))
    with session_scope(app_engine) as session:
        fake = session.scalar(select(Finding.id).where(Finding.rule == "PROMO-FAKE-REF",
                                                       Finding.subject.like("%FAKE-1%")))
        deep = session.scalar(select(Finding.id).where(Finding.rule == "PROMO-DISC-50"))
        site_wide = session.scalar(select(Finding.id).where(Finding.rule == "ECOM-NOTIFY-MISSING"))
    sign_in(client, "minh.tran")
    page = client.get(f"/findings/{fake}")
    assert page.status_code == 200
    section = page.text.split('class="price-history"', 1)[1].split("</section>", 1)[0]
    assert "5 lần ghi nhận id:sku:FAKE-1" in section  # the app speaks Vietnamese by default
    assert section.count("<polyline") == 2 and "<script" not in section
    assert "unsafe-inline" not in page.headers["content-security-policy"]  # attributes only, no inline style
    # A single-page finding on a product (60 % off) shows the series of the product its page showed.
    section = client.get(f"/findings/{deep}").text.split('class="price-history"', 1)[1].split("</section>", 1)[0]
    assert "5 lần ghi nhận url:http://gia-dem.vn:" in section and "/p/deep|nồi cơm điện deep" in section
    if site_wide is not None:  # a site finding has no product: no price section at all
        assert 'class="price-history"' not in client.get(f"/findings/{site_wide}").text
