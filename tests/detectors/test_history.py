"""The history rules over a product's series, the deadline a page announces and the product key (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from detectors import Context, HistoryRun, Observation, explain, history_findings, load_rulebook, parse_page
from detectors.history import canonical_url, observations_of
from detectors.page.deadline import page_deadline

RULEBOOK = load_rulebook()
VN_2AM = timedelta(hours=-5)  # 02:00 in Vietnam is 19:00 UTC the day before


def seen(day: date, price: int, reference: int | None = None, *, hours: float = 0,
         deadline: datetime | None = None, key: str = "id:sku:A1") -> Observation:
    at = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + VN_2AM + timedelta(hours=hours)
    return Observation(product_key=key, observed_at=at, price=Decimal(price),
                       reference_price=Decimal(reference) if reference is not None else None, deadline=deadline,
                       snippet=f"{reference} {price}")


def rules_raised(series: list[Observation], on: date | None = None) -> dict[str, dict]:
    return {f.rule: dict(f.evidence) for f in history_findings(series, HistoryRun(RULEBOOK, on=on))}


def nightly(start: date, end: date, price: int, reference: int | None = None) -> list[Observation]:
    return [seen(start + timedelta(days=i), price, reference) for i in range((end - start).days + 1)]


# --- PROMO-FAKE-REF ---------------------------------------------------------------------------------------

OCT = date(2026, 10, 1)


def test_a_reference_never_charged_in_the_window_is_flagged_with_the_series() -> None:
    series = nightly(OCT, date(2026, 10, 4), 700_000) + [seen(date(2026, 10, 5), 700_000, 1_400_000)]
    evidence = rules_raised(series)["PROMO-FAKE-REF"]
    assert (evidence["max_price_charged"], evidence["observations"]) == ("700000", 4)
    assert (evidence["window_start"], evidence["window_end"]) == ("2026-09-05", "2026-10-05")
    assert len(evidence["series"]) == 5


@pytest.mark.parametrize("earlier, why", [
    ([1_000_000] * 4, "a real price cut: the reference was the price charged"),
    ([1_000_000, 1_200_000, 1_000_000, 1_000_000], "a price that rose and came back: the reference was charged"),
    ([700_000, 700_000], "too few observations in the window"),
    ([900_000, 1_400_000, 900_000], "a reference equal to a price charged within the window"),
])
def test_honest_discounts_stay_silent(earlier: list[int], why: str) -> None:
    reference = max(earlier) if len(earlier) > 2 else 1_400_000
    series = [seen(OCT + timedelta(days=i), p) for i, p in enumerate(earlier)]
    series.append(seen(OCT + timedelta(days=len(earlier)), 700_000, reference))
    assert "PROMO-FAKE-REF" not in rules_raised(series), why


def test_observations_count_by_day_seen() -> None:
    # Three visits on one day (a listing, the product page, a revisit) are one day seen: too few.
    series = [seen(OCT, 700_000, hours=h) for h in (0, 0.1, 6)] + [seen(date(2026, 10, 2), 700_000)]
    series.append(seen(date(2026, 10, 3), 700_000, 1_400_000))
    assert "PROMO-FAKE-REF" not in rules_raised(series)
    series.insert(-1, seen(date(2026, 10, 2), 700_000, hours=12))  # still two days
    assert "PROMO-FAKE-REF" not in rules_raised(series)


def test_prices_older_than_the_window_do_not_back_a_reference() -> None:
    # 1.400.000₫ was charged in August, more than 30 days before: since then only 700.000₫.
    series = nightly(date(2026, 8, 1), date(2026, 8, 3), 1_400_000) + nightly(date(2026, 9, 20), date(2026, 9, 23), 700_000)
    series.append(seen(date(2026, 9, 24), 700_000, 1_400_000))
    assert rules_raised(series)["PROMO-FAKE-REF"]["observations"] == 4


def test_the_thresholds_are_the_rule_rows_data() -> None:
    row = RULEBOOK.rule_on("PROMO-FAKE-REF", OCT)
    assert row is not None and row.thresholds["lookback_days"] == 30 and row.thresholds["min_observations"] == 3
    assert row.confidence and row.uncertain and "look-back" in row.uncertain


# --- PROMO-DUR-120 ----------------------------------------------------------------------------------------


def test_120_days_are_counted_outside_concentrated_windows() -> None:
    # Discounted every day of 2026 from 1 January. Not counted (50 days): Vietnam Grand Sale 2025 to 18/1,
    # Tết 18/1-16/2, 26/4, 30/4, 1/5. Counted: 17/2-25/4 (68), 27-29/4 (3), then from 2/5: the 121st is 20/6.
    series = nightly(date(2026, 1, 1), date(2026, 6, 20), 800_000, 1_000_000)
    assert "PROMO-DUR-120" not in rules_raised(series[:-1])  # 19/6: 120 days, not above
    evidence = rules_raised(series)["PROMO-DUR-120"]
    assert (evidence["days_counted"], evidence["days_in_windows"], evidence["year"]) == (121, 50, 2026)
    assert evidence["counted_ranges"] == ["2026-02-17/2026-04-25", "2026-04-27/2026-04-29", "2026-05-02/2026-06-20"]


def test_days_from_26_06_2026_are_never_counted() -> None:
    # From 1 March: by 25/06 only 114 days count (26/4, 30/4, 1/5 are windows); July adds nothing.
    series = nightly(date(2026, 3, 1), date(2026, 7, 31), 800_000, 1_000_000)
    assert "PROMO-DUR-120" not in rules_raised(series)  # judged on 31/07: the rule is no longer law
    run = HistoryRun(RULEBOOK, on=date(2026, 6, 25))  # judged by the law of 25/06 (``--on``)
    assert "PROMO-DUR-120" not in {f.rule for f in history_findings(series, run)}
    assert any("114 day(s)" in note for note in run.notes["PROMO-DUR-120"])


def test_days_not_discounted_and_other_years_are_not_counted() -> None:
    series = nightly(date(2025, 6, 1), date(2025, 12, 31), 800_000, 1_000_000)  # 2025: windows aside, > 120
    series += nightly(date(2026, 3, 1), date(2026, 3, 31), 1_000_000)  # March 2026 at full price
    series.append(seen(date(2026, 4, 1), 800_000, 1_000_000))
    assert "PROMO-DUR-120" not in rules_raised(series)
    assert "PROMO-DUR-120" in rules_raised(nightly(date(2025, 6, 1), date(2025, 11, 1), 800_000, 1_000_000))


# --- PROMO-FAKE-URGENCY -----------------------------------------------------------------------------------


def _countdown(day: date, hours: float, left_hours: float, price: int = 500_000) -> Observation:
    visit = seen(day, price, 900_000, hours=hours)
    return seen(day, price, 900_000, hours=hours, deadline=visit.observed_at + timedelta(hours=left_hours))


def test_a_countdown_that_resets_between_visits_is_flagged() -> None:
    series = [_countdown(OCT, 0, 2), _countdown(OCT, 6, 2)]  # "ends in 02:00:00" both times, 6 hours apart
    evidence = rules_raised(series)["PROMO-FAKE-URGENCY"]
    assert evidence["shift_minutes"] == 360 and evidence["earlier_deadline"] < evidence["deadline"]


@pytest.mark.parametrize("second, why", [
    (_countdown(OCT, 1, 1), "the same deadline, one hour closer"),
    (_countdown(OCT, 1, 1 + 5 / 60), "five minutes later: clock and rounding"),
    (_countdown(OCT, 6, 2, price=450_000), "a new offer may have a new deadline"),
])
def test_a_deadline_that_holds_or_a_new_offer_stays_silent(second: Observation, why: str) -> None:
    assert "PROMO-FAKE-URGENCY" not in rules_raised([_countdown(OCT, 0, 2), second]), why


# --- reading a page ---------------------------------------------------------------------------------------

AT = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vietnam


@pytest.mark.parametrize("text, html, expected", [
    ("Flash sale! Kết thúc sau 02:15:30", "", "2026-11-20T12:15:30+07:00"),
    ("Còn lại 1 ngày 02 giờ 15 phút 30 giây", "", "2026-11-21T12:15:30+07:00"),
    ("Ends in 02:00:00", "", "2026-11-20T12:00:00+07:00"),
    ("Kết thúc lúc 23:59 ngày 30/11/2026", "", "2026-11-30T23:59:00+07:00"),
    ("kết thúc vào 23:59 30/11", "", "2026-11-30T23:59:00+07:00"),
    ("Kết thúc vào ngày 30/11/2026 lúc 22:00", "", "2026-11-30T22:00:00+07:00"),
    ("", '<div class="cd" data-countdown="2026/11/21 10:00:00"></div>', "2026-11-21T10:00:00+07:00"),
    ("", '<span data-end-time="1763722800"></span>', "2025-11-21T11:00:00+07:00"),
    ("", '<div data-deadline="21/11/2026 08:30"></div>', "2026-11-21T08:30:00+07:00"),
    ("", '<script>var countdown = new Date("2026-11-22T10:00:00");</script>', "2026-11-22T10:00:00+07:00"),
    ("", '<script>var launch = new Date("2026-11-22T10:00:00");</script>', None),  # not a timer
    ("Kết thúc sau 99:99:99", "", None),
    ("Kết thúc lúc 25:61 ngày 31/02/2026", "", None),
    ("Giá tốt mỗi ngày", "", None),
])
def test_the_deadline_a_page_announces(text: str, html: str, expected: str | None) -> None:
    found = page_deadline(text, html, AT)
    if expected is None or expected.startswith("2025"):
        assert found is None  # 2025: long past on the visit, not a deadline of this offer
    else:
        assert found is not None and found.at == datetime.fromisoformat(expected)


def test_hostile_markup_is_read_in_one_pass() -> None:
    # Fifty thousand unclosed scripts and a megabyte of digits: a reader that rescanned from every
    # "<script" would take hours here (a frozen crawl); this one reads the markup once.
    html = "<script>countdown " * 50_000 + "1" * 1_000_000
    text = "Kết thúc sau " + "9" * 100_000
    assert page_deadline(text, html, AT) is None


def test_observations_key_products_by_declared_id_else_by_url_and_name() -> None:
    html = """<html lang="vi"><head><script type="application/ld+json">
      {"@type": "Product", "name": "Ấm siêu tốc", "sku": "AST-1",
       "offers": {"@type": "Offer", "price": "300000", "priceCurrency": "VND",
                  "availability": "https://schema.org/InStock"}}</script></head><body>
      <div class="product-card"><h3 class="product-name">Ấm siêu tốc</h3>
        <del class="price-old">600.000₫</del> <span class="price-sale">300.000₫</span></div>
      <div class="product-card"><h3 class="product-name">Bàn ủi hơi nước</h3><span class="price">450.000₫</span></div>
      <p>Kết thúc sau 01:00:00</p><form><button>Thêm vào giỏ hàng</button></form></body></html>"""
    page = parse_page(html, "https://shop.vn/sale?utm_source=zalo&page=2#top")
    by_key = {o.product_key: o for o in observations_of(page, AT)}
    assert set(by_key) == {"id:sku:AST-1", "url:https://shop.vn/sale?page=2|bàn ủi hơi nước"}
    kettle = by_key["id:sku:AST-1"]
    assert (kettle.price, kettle.reference_price) == (Decimal(300_000), Decimal(600_000))
    assert kettle.deadline == AT + timedelta(hours=1) and kettle.discounted and kettle.in_stock is True
    assert by_key["url:https://shop.vn/sale?page=2|bàn ủi hơi nước"].in_stock is None  # declared nowhere


def test_absurd_amounts_are_not_observed() -> None:
    html = ('<html lang="vi"><body><div class="product-card"><h3 class="product-name">Vàng</h3>'
            '<del class="price-old">99.999.999.999.999.999.999₫</del> <span class="price-sale">500.000₫</span></div>'
            '<form><button>Thêm vào giỏ hàng</button></form></body></html>')
    assert observations_of(parse_page(html, "https://vang.vn/p/1"), AT) == ()


def test_canonical_url_drops_tracking_and_fragment_only() -> None:
    assert canonical_url("https://Shop.vn/p/1?id=3&fbclid=x&utm_medium=y#reviews") == "https://shop.vn/p/1?id=3"


def test_one_page_explained_says_the_history_rules_need_more_than_one_page() -> None:
    html = ('<html lang="vi"><body><div class="product-card"><h3 class="product-name">Quạt</h3>'
            '<del class="price-old">900.000₫</del> <span class="price-sale">500.000₫</span></div>'
            '<form><button>Thêm vào giỏ hàng</button></form></body></html>')
    verdicts = {v.rule: v for v in explain(parse_page(html, "https://quat.vn/p/1"), Context(on=OCT)).rules}
    for rule in ("PROMO-FAKE-REF", "PROMO-FAKE-URGENCY"):
        assert verdicts[rule].status == "silent" and "price history" in verdicts[rule].reasons[0]
    assert verdicts["PROMO-DUR-120"].status == "not in force"  # October 2026: repealed from 26/06/2026
