"""Hand-made hostile pages (modelled on the attacks of issue 12): the detectors neither miss what a
browser shows nor crash, and one page cannot flood the reviewers."""

from __future__ import annotations

from datetime import date

from detectors import Context, judge_page
from detectors.grouping import MAX_PER_RULE

CONTEXT = Context(on=date(2026, 10, 15))
SHOP = "<p>Giỏ hàng · Thanh toán khi nhận hàng · Giao hàng toàn quốc</p>"
DISCOUNT = "<div class='product'><h3>Nồi cơm điện</h3><del>2.000.000 đ</del> <b>790.000 đ</b></div>"


def _vnd(thousands: int) -> str:
    return f"{thousands * 1000:,}".replace(",", ".") + " đ"


def _cards(count: int) -> str:
    return "".join(f"<div class='item'><h3>Sản phẩm {i}</h3><del>{_vnd(2000 + i)}</del> <b>{_vnd(300 + i)}</b></div>"
                   for i in range(count))


def _judge(body: str):  # noqa: ANN202 - (Judgement, Page | None)
    html = f"<html lang='vi'><head><meta charset='utf-8'></head><body>{body}{SHOP}</body></html>"
    return judge_page(html.encode(), "https://shop.vn/p", CONTEXT, content_type="text/html")


def test_a_discount_hidden_in_a_thousand_nested_divs_is_still_read() -> None:
    judgement, _page = _judge("<div>" * 1000 + DISCOUNT + "</div>" * 1000)
    assert judgement.judged and "PROMO-DISC-50" in {f.rule for f in judgement.findings}


def test_nesting_beyond_what_the_parser_keeps_is_said_not_hidden() -> None:
    judgement, _page = _judge("<div>" * 3000 + DISCOUNT + "</div>" * 3000)
    assert judgement.judged and judgement.note and "2,048 levels" in judgement.note


def test_a_json_ld_nesting_bomb_is_left_out_and_the_page_still_judged() -> None:
    bomb = "<script type='application/ld+json'>" + "[" * 40000 + "]" * 40000 + "</script>"
    deep = "<script type='application/ld+json'>" + '{"a":' * 500 + "1" + "}" * 500 + "</script>"
    judgement, _page = _judge(bomb + deep + DISCOUNT)
    assert judgement.judged and "PROMO-DISC-50" in {f.rule for f in judgement.findings}


def test_a_listing_of_hundreds_of_discounts_gives_one_finding_per_section_with_the_worst_examples() -> None:
    judgement, page = _judge(f"<div class='grid'>{_cards(300)}</div>")
    assert page is not None and len([o for o in page.offers if o.reference_price]) == 300
    [grouped] = [f for f in judgement.findings if f.rule == "PROMO-DISC-50"]
    assert grouped.evidence["grouped"] == 300 and len(grouped.evidence["examples"]) == 5
    assert grouped.evidence["examples"][0]["snippet"].startswith("Sản phẩm 0")  # the steepest cut first
    assert grouped.evidence["snippet"] == grouped.evidence["examples"][0]["snippet"]


def test_a_few_discounts_stay_one_finding_each() -> None:
    judgement, _page = _judge(f"<div class='grid'>{_cards(MAX_PER_RULE)}</div>")
    assert len([f for f in judgement.findings if f.rule == "PROMO-DISC-50"]) == MAX_PER_RULE
