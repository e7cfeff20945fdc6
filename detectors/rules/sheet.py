"""The page's own product as its fact sheet tells it, and the buy box that sheet sits in.

Product-detail templates often fill the name and prices in from code, so no offer can be read,
while the fact sheet is plain markup: a table or list of label/value rows ("Thành phần chính |
Zopiclone", "Thuốc cần kê toa | Có"). A ``ProductSheet`` is that sheet's text plus its *buy box*:
the nearest ancestor that also holds a buy control ("Thêm vào giỏ", "Mua ngay"). What the buy box
shows (a "-30%" badge, a "Tặng ..." line) is shown for that product; a related-products list
elsewhere on the page is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

from detectors.lexicons import CART_PHRASES, compile_terms
from detectors.page.document import Block, Needles
from detectors.page.text import element_text
from detectors.types import Page

__all__ = ["ProductSheet", "product_sheets"]

# Row labels of a product's fact sheet that say what the product is.
SHEET_LABELS = (
    "thành phần", "thành phần chính", "hoạt chất",  # ingredients, active ingredient
    "dạng bào chế", "quy cách", "chỉ định", "số đăng ký", "SĐK",  # dosage form, pack size, indication, reg. no.
    "thuốc cần kê toa", "thuốc kê đơn", "cần kê đơn", "cần kê toa",  # prescription needed
    "nồng độ cồn", "độ cồn",  # alcohol strength
    "độ tuổi", "độ tuổi phù hợp", "độ tuổi sử dụng",  # suitable age
)
_LABEL = compile_terms(SHEET_LABELS)
_LABEL_NEEDLES = Needles(SHEET_LABELS)
_BUY = compile_terms(CART_PHRASES)
_MAX_LABEL_BLOCK = 120  # a row ("Dạng bào chế: Viên nén"), not a paragraph that mentions ingredients
_LIST_TAGS = frozenset({"table", "tbody", "dl", "ul", "ol"})
_MAX_LIST_LEVELS = 4  # from a row's cell up to its table
_MAX_BOX_LEVELS = 6  # from the sheet up to the product's buy box
_MAX_SHEET_TEXT = 2000
_MAX_BUY_CONTROLS = 3


@dataclass(frozen=True)
class ProductSheet:
    text: str  # the sheet's visible text (shortened)
    element: lxml.html.HtmlElement
    box: lxml.html.HtmlElement  # the nearest ancestor holding a buy control

    def holds(self, block: Block) -> bool:
        """Whether ``block`` is in the buy box but not in the sheet itself."""
        ancestors = {id(a) for a in block.element.iterancestors()} | {id(block.element)}
        return id(self.box) in ancestors and id(self.element) not in ancestors


def product_sheets(page: Page) -> tuple[ProductSheet, ...]:
    """The fact sheets of the page that sit in a buy box, in document order."""
    return page.document.memo("product-sheets", lambda: _find_sheets(page))


def _find_sheets(page: Page) -> tuple[ProductSheet, ...]:
    found: dict[int, ProductSheet] = {}
    for block in page.document.blocks_with(_LABEL_NEEDLES):
        if block.in_nav or len(block.text) > _MAX_LABEL_BLOCK or not _starts_with_label(block.text):
            continue
        element = _sheet_element(block.element)
        if id(element) in found:
            continue
        box = _buy_box(element)
        if box is not None:
            found[id(element)] = ProductSheet(element_text(element)[:_MAX_SHEET_TEXT], element, box)
    return tuple(found.values())


def _starts_with_label(text: str) -> bool:
    return _LABEL.match(text) is not None


def _sheet_element(cell: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The table or list a row label belongs to; for rows laid out as <div>s, the row's parent."""
    node = cell
    for _ in range(_MAX_LIST_LEVELS):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
        if node.tag in _LIST_TAGS:
            return node.getparent() if node.tag == "tbody" and node.getparent() is not None else node
    parent = cell.getparent()
    return parent if parent is not None else cell


def _buy_box(sheet: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    node = sheet
    for _ in range(_MAX_BOX_LEVELS):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return None
        node = parent
        controls = sum(1 for el in node.iter("button", "a", "input") if _is_buy_control(el))
        if controls:
            # One product has a buy button or two ("Thêm vào giỏ", "Mua ngay"); more is a list of products.
            return node if controls <= _MAX_BUY_CONTROLS else None
    return None


def _is_buy_control(el: lxml.html.HtmlElement) -> bool:
    text = el.get("value", "") if el.tag == "input" else element_text(el)
    return len(text) <= 40 and _BUY.search(text) is not None
