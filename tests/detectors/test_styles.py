"""What the page's own <style> rules say: text struck through, and which rules are read at all."""

from __future__ import annotations

import lxml.html
import pytest

from detectors.page.styles import MAX_MATCHES, css_rules, select, struck_elements

DOC = lxml.html.document_fromstring("""<html><body>
<div id="HEADLINE1" class="ladi-element"><h3 class="ladi-headline">1.180.000</h3></div>
<div id="HEADLINE2" class="ladi-element"><h3 class="ladi-headline">399.000 VNĐ</h3></div>
<p class="card"><span class="txt-gach">3.200.000₫</span> <span class="txt-do">1.350.000₫</span></p>
<a class="menu" href="/">Trang chủ</a>
</body></html>""")


def texts(elements: frozenset) -> list[str]:  # type: ignore[type-arg]
    return sorted(el.text_content() for el in elements)


def test_rules_by_id_class_and_inside_media_blocks_strike_their_elements() -> None:
    sheet = """/* LadiPage */ @import url("fonts.css");
    #HEADLINE1{width:109px;top:379px}#HEADLINE1 > .ladi-headline{text-decoration-line: line-through;}
    @media (max-width: 767px) { .card .txt-gach { color: #999; text-decoration: underline line-through } }"""
    assert texts(struck_elements(DOC, (sheet,))) == ["1.180.000", "3.200.000₫"]


@pytest.mark.parametrize(
    "sheet",
    [
        ".menu:hover { text-decoration: line-through }",  # only while hovered
        ".txt-gach::before { content: '-'; text-decoration: line-through }",  # generated content
        "#HEADLINE2 > .ladi-headline { text-decoration: none } .x { color: red }",
        "* { text-decoration: line-through }",  # a whole-page rule says nothing about one price
        "#HEADLINE1 >>> .ladi-headline { text-decoration: line-through }",  # unreadable selector
        "/* .txt-do { text-decoration: line-through } */",  # commented out
    ],
)
def test_rules_that_do_not_strike_the_text_as_shown_are_ignored(sheet: str) -> None:
    assert struck_elements(DOC, (sheet,)) == frozenset()


def test_a_rule_matching_too_many_elements_is_page_wide() -> None:
    many = lxml.html.document_fromstring("<html><body>" + "<span class='p'>1</span>" * (MAX_MATCHES + 1) + "</body></html>")
    assert select(many, ".p") == []
    assert len(select(many, "span:nth-child(1)")) == 1


def test_rules_keep_each_selector_of_a_group_and_only_matching_declarations() -> None:
    sheet = "a, .b > i { background: url(x.png) } .c { color: red } .d{background-image:url('bct.png')}"
    rules = list(css_rules((sheet,), "url("))
    assert [r.selector for r in rules] == ["a", ".b > i", ".d"]
    assert [r.selector for r in css_rules((sheet,), "url(", lambda d: "bct" in d)] == [".d"]
