"""ECOM-* rules on hand-built pages: badges, records, marketplaces, foreign operators."""

from __future__ import annotations

import pytest

from detectors.rules.badges import badge_claims
from detectors.engine import detect
from detectors.registry import InMemoryRegistry
from detectors.types import RegistryRecord, Severity, Signals

from .helpers import VN_MARKETPLACE, VN_NEWS, VN_SHOP, ctx, make_page, rules_of

BLUE = '<a href="http://online.gov.vn/Home/WebDetails/{id}"><img src="/img/logoSaleNoti.png" alt="Đã thông báo Bộ Công Thương"></a>'
RED = '<a href="http://online.gov.vn/Home/WebDetails/{id}"><img src="/img/logoCCDV.png" alt="Đã đăng ký Bộ Công Thương"></a>'
URL = "https://www.demo-shop.vn/"


def registry(*rows: tuple[str, str, str, str]) -> InMemoryRegistry:
    return InMemoryRegistry(RegistryRecord(rid, domain, kind, status) for rid, domain, kind, status in rows)


def run(body: str, signals: Signals = VN_SHOP, reg: InMemoryRegistry | None = None, **extra: object) -> list[str]:
    return rules_of(detect(make_page(body, url=URL, signals=signals), ctx(registry=reg, **extra)))


def test_shop_with_own_active_record_is_quiet() -> None:
    assert run(BLUE.format(id=5), reg=registry(("5", "demo-shop.vn", "notified", "active"))) == []


def test_shop_record_found_by_domain_without_badge() -> None:
    # The registry knows the site even though the page shows no badge.
    assert run("<p>Shop</p>", reg=registry(("5", "demo-shop.vn", "notified", "active"))) == []


def test_shop_without_badge_or_registry_flagged_medium() -> None:
    (finding,) = detect(make_page("<p>Shop</p>", url=URL), ctx())
    assert finding.rule == "ECOM-NOTIFY-MISSING" and finding.severity is Severity.MEDIUM
    assert finding.evidence["registry_consulted"] is False
    assert finding.subject == "site-registration"


def test_shop_without_record_in_registry_flagged_high() -> None:
    (finding,) = detect(make_page("<p>Shop</p>", url=URL), ctx(registry=registry(("1", "other.vn", "notified", "active"))))
    assert finding.rule == "ECOM-NOTIFY-MISSING" and finding.severity is Severity.HIGH


def test_unverified_link_left_to_the_crawler() -> None:
    assert run(BLUE.format(id=5)) == []


@pytest.mark.parametrize(
    ("body", "reg", "reason"),
    [
        ('<img src="/img/dathongbao.png">', None, "no_link"),
        ('<a href="/gioi-thieu"><img src="/img/bo-cong-thuong.png"></a>', None, "not_portal"),
        ('<a href="http://online.gov.vn"><img src="/img/dathongbao.png"></a>', None, "no_record_id"),
        ('<a href="javascript:void(0)"><img src="/img/logoSaleNoti.png"></a>', None, "no_link"),
        (BLUE.format(id=5), registry(("5", "concung.example", "notified", "active")), "other_domain"),
        (BLUE.format(id=5), registry(("6", "demo-shop.vn", "notified", "active")), "not_found"),
        (BLUE.format(id=5), registry(("5", "demo-shop.vn", "notified", "revoked")), "revoked"),
        (BLUE.format(id=5), registry(("5", "demo-shop.vn", "notified", "pending")), "pending"),
    ],
)
def test_fake_badges(body: str, reg: InMemoryRegistry | None, reason: str) -> None:
    context = ctx(registry=reg, registry_complete=True)
    findings = [f for f in detect(make_page(body, url=URL), context) if f.rule == "ECOM-BADGE-FAKE"]
    assert [f.evidence["reason"] for f in findings] == [reason]
    assert findings[0].evidence["snippet"].startswith("<")
    assert findings[0].evidence["css_path"].startswith("html > body")


def test_someone_elses_record_cites_it() -> None:
    reg = registry(("5", "concung.example", "notified", "active"))
    (fake,) = [f for f in detect(make_page(BLUE.format(id=5), url=URL), ctx(registry=reg)) if f.rule == "ECOM-BADGE-FAKE"]
    assert fake.evidence["records_for_other_domains"][0]["domain"] == "concung.example"


def test_pending_text_flagged() -> None:
    body = '<img src="/img/bct.png" alt="Bộ Công Thương"><p>Website đang thực hiện thủ tục đăng ký với Bộ Công Thương</p>'
    fakes = [f for f in detect(make_page(body, url=URL), ctx()) if f.rule == "ECOM-BADGE-FAKE"]
    assert {f.evidence["reason"] for f in fakes} == {"no_link", "pending_text"}


def test_unlinked_copy_ignored_when_a_valid_link_exists() -> None:
    body = BLUE.format(id=5) + '<div><img src="/img/logo-bo-cong-thuong-da-thong-bao.png"></div>'
    assert run(body, reg=registry(("5", "demo-shop.vn", "notified", "active"))) == []


def test_news_photo_alt_is_no_badge() -> None:
    body = '<img src="/anh.jpg" alt="Bộ Công Thương"><p>Bộ Công Thương họp báo</p>'
    assert run(body, signals=VN_NEWS) == []


def test_sprite_and_aria_label_badges() -> None:
    body = ('<a class="bct" href="http://online.gov.vn/HomePage/CustomWebsiteDisplay.aspx?DocId=20098" '
            'aria-label="bộ công thương"><i class="icontgdd-bct"></i></a>')
    (claim,) = badge_claims(make_page(body, url=URL), None)
    assert (claim.status, claim.record_id) == ("unverified", "20098")


def test_lazy_image_badge_kind() -> None:
    body = '<img class="lazyload" src="data:image/png;base64,AAAA" data-src="//cdn.x.vn/assets/logoSaleNoti.png?1">'
    (claim,) = badge_claims(make_page(body, url=URL), None)
    assert (claim.status, claim.image_kind) == ("no_link", "notified")


def test_tinnhiemmang_badge_is_not_moit() -> None:
    body = '<a href="https://tinnhiemmang.vn/x"><img src="/tinnhiemmang.png" alt="Chứng nhận Tín Nhiệm Mạng"></a>'
    assert badge_claims(make_page(body, url=URL), None) == []


# --- marketplaces ------------------------------------------------------------------------------

def test_marketplace_without_registered_record() -> None:
    assert run("<p>Sàn</p>", signals=VN_MARKETPLACE) == ["ECOM-REG-MISSING"]


def test_marketplace_with_registered_record() -> None:
    assert run(RED.format(id=7), signals=VN_MARKETPLACE, reg=registry(("7", "demo-shop.vn", "registered", "active"))) == []


def test_marketplace_with_only_notified_record() -> None:
    reg = registry(("7", "demo-shop.vn", "notified", "active"))
    assert run(BLUE.format(id=7), signals=VN_MARKETPLACE, reg=reg) == ["ECOM-BADGE-TYPE"]


def test_marketplace_blue_badge_without_registry() -> None:
    assert run(BLUE.format(id=7), signals=VN_MARKETPLACE) == ["ECOM-BADGE-TYPE"]


def test_marketplace_red_badge_without_registry_left_to_crawler() -> None:
    assert run(RED.format(id=7), signals=VN_MARKETPLACE) == []


# --- foreign operators ------------------------------------------------------------------------

FOREIGN_FOOTER = "<footer><p>Vận hành bởi Demo Commerce Pte. Ltd.</p><p>Địa chỉ: 1 Raffles Place, Singapore</p></footer>"


def test_foreign_operator_flagged_instead_of_missing_record() -> None:
    findings = detect(make_page(FOREIGN_FOOTER, url="https://demo-global.com/vn/", signals=VN_MARKETPLACE), ctx())
    assert rules_of(findings) == ["ECOM-FOREIGN"]
    (finding,) = findings
    assert "67a" in finding.message and "[S1]" in finding.message
    assert finding.uncertain and "Law 122/2025" in finding.uncertain
    assert "Vietnamese display" in finding.evidence["targeting_tests"]


def test_foreign_operator_registered_is_quiet() -> None:
    reg = registry(("9", "demo-global.com", "registered", "active"))
    page = make_page(FOREIGN_FOOTER, url="https://demo-global.com/vn/", signals=VN_MARKETPLACE)
    assert detect(page, ctx(registry=reg)) == []


def test_vietnamese_business_id_means_domestic() -> None:
    body = "<footer><p>Kho hàng: Quảng Châu, Trung Quốc. Địa chỉ kho: Thâm Quyến, Trung Quốc</p><p>MST: 0109876543</p></footer>"
    assert run(body) == ["ECOM-NOTIFY-MISSING"]


def test_investigator_marks_operator_foreign() -> None:
    assert run("<p>Shop</p>", operator_country="CN") == ["ECOM-FOREIGN"]


def test_disabled_foreign_rule_falls_back(tmp_path) -> None:
    import shutil

    from detectors.rulebook import BUNDLED_RULES_DIR, load_rulebook

    rules_dir = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES_DIR, rules_dir)
    path = rules_dir / "ecommerce.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('id = "ECOM-FOREIGN"', 'id = "ECOM-FOREIGN"\nenabled = false'),
                    encoding="utf-8")
    page = make_page(FOREIGN_FOOTER, url="https://demo-global.com/vn/", signals=VN_MARKETPLACE)
    assert rules_of(detect(page, ctx(), rulebook=load_rulebook(rules_dir))) == ["ECOM-REG-MISSING"]


def test_app_shell_and_non_commerce_pages_not_judged() -> None:
    shell = Signals(True, ("lang",), True, ("cart",), False, (), app_shell=True)
    assert run("<div id='root'></div>", signals=shell) == []
    assert run("<p>Tin tức</p>", signals=VN_NEWS) == []


def test_vietnamese_store_abroad_pricing_in_yen() -> None:
    from .helpers import offer

    page = make_page("<p>Cửa hàng cho người Việt tại Nhật</p>", url="https://demo-shop.jp/",
                     offers=[offer("Sạc nhanh 18W", "2000", currency="¥")])
    assert detect(page, ctx()) == []
    vn = make_page("<p>Shop</p>", url="https://demo-shop.vn/", offers=[offer("Sạc", "2000", currency="¥")])
    assert rules_of(detect(vn, ctx())) == ["ECOM-NOTIFY-MISSING"]


def test_id_missing_from_an_incomplete_registry_is_unresolved() -> None:
    # The crawler fills its registry as it fetches portal pages: an id it does not hold yet (or could
    # not fetch) is neither a fake badge nor a missing record.
    reg = registry(("6", "other.vn", "notified", "active"))
    (claim,) = badge_claims(make_page(BLUE.format(id=5), url=URL), reg)
    assert claim.status == "unresolved"
    assert run(BLUE.format(id=5), reg=reg) == []
    assert run(BLUE.format(id=5), signals=VN_MARKETPLACE, reg=reg) == ["ECOM-BADGE-TYPE"]  # blue image hint


# --- foreign single-seller shops: a registration case of their own from 01/07/2026 ------------------------

@pytest.mark.parametrize(("on", "rule"), [("2026-06-30", "ECOM-NOTIFY-MISSING"), ("2026-07-01", "ECOM-FOREIGN")])
def test_foreign_single_seller_shop_by_date(on: str, rule: str) -> None:
    findings = detect(make_page(FOREIGN_FOOTER, url="https://demo-global.com/vn/"), ctx(on))
    assert rules_of(findings) == [rule]
    if rule == "ECOM-FOREIGN":
        assert findings[0].evidence["platform_type"] == "single-seller shop with online ordering"


def test_foreign_marketplace_before_the_law_is_still_foreign() -> None:
    page = make_page(FOREIGN_FOOTER, url="https://demo-global.com/vn/", signals=VN_MARKETPLACE)
    (finding,) = detect(page, ctx("2026-03-01"))
    assert finding.rule == "ECOM-FOREIGN" and finding.evidence["platform_type"] == "marketplace"
    assert "Law 122" not in finding.legal_basis
