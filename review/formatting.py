"""How values read in the interface: dates dd/mm/yyyy in Viet Nam time, VND the Vietnamese way
(1.290.000 ₫), ratios as per cent, and a finding's compared values with labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from .i18n import Translator

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SHOWN_APART = ("snippet", "css_path")  # shown in their own places on the finding page
# Evidence keys holding an amount of đồng, and those holding a share (0.605 -> 60,5 %).
MONEY_KEYS = ("price", "reference_price", "gift_value", "item_price", "prize_value", "value")
RATIO_KEYS = ("discount_ratio", "ratio", "gift_ratio", "threshold")

LABELS_VI = {
    "name": "Tên sản phẩm",
    "price": "Giá bán",
    "reference_price": "Giá trước khuyến mại",
    "stated_discount_percent": "Mức giảm ghi trên trang (%)",
    "discount_ratio": "Mức giảm tính được",
    "threshold": "Ngưỡng",
    "measured_by": "Cách đo",
    "window": "Đợt khuyến mại tập trung",
    "date": "Ngày đánh giá",
    "category": "Nhóm hàng",
    "term": "Từ khoá",
    "role": "Vai trò trong khuyến mại",
    "promotion": "Hình thức khuyến mại",
    "reason": "Lý do",
    "href": "Liên kết",
    "record_id": "Mã hồ sơ",
    "page_domain": "Tên miền",
    "badge_kind": "Loại biểu tượng",
    "record": "Hồ sơ trong sổ đăng ký",
    "records": "Hồ sơ trong sổ đăng ký",
    "badges": "Biểu tượng Bộ Công Thương",
    "registry_consulted": "Đã tra sổ đăng ký",
    "commerce_reasons": "Dấu hiệu bán hàng trực tuyến",
    "vietnamese_reasons": "Dấu hiệu hướng tới Việt Nam",
    "dates_found": "Ngày tìm thấy",
    "missing": "Thiếu",
    "lucky_draw_texts": "Nội dung quay số",
    "registration_reference": "Số đăng ký",
    "confirmation_number": "Số xác nhận",
    "public_draw_stated": "Có nêu quay số công khai",
    "public_draw_online": "Quay số trực tuyến",
    "abv": "Độ cồn",
    "company": "Doanh nghiệp",
    "source": "Nguồn",
    "records_for_other_domains": "Hồ sơ của tên miền khác",
    "abv_percent": "Độ cồn (%)",
    "record_status": "Trạng thái hồ sơ",
    "record_domain": "Tên miền của hồ sơ",
    "status": "Trạng thái",
    "kind": "Loại",
    "domain": "Tên miền",
}


def local_time(moment: datetime | None, with_time: bool = True) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(VIETNAM)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def group_digits(number: int, separator: str) -> str:
    return f"{number:,}".replace(",", separator)


def vnd(value: Any, language: str = "vi") -> str:
    """1290000 -> '1.290.000 ₫' (Vietnamese) or '1,290,000 ₫' (English); not a number -> as given."""
    amount = _decimal(value)
    if amount is None:
        return str(value)
    whole = int(amount.to_integral_value())
    sign = "-" if whole < 0 else ""
    return f"{sign}{group_digits(abs(whole), '.' if language == 'vi' else ',')} ₫"


def percent(value: Any, language: str = "vi", *, share: bool = True) -> str:
    """0.6053 -> '60,5 %' (a share) or 59 -> '59 %' (already per cent)."""
    number = _decimal(value)
    if number is None:
        return str(value)
    number = number * 100 if share else number
    text = f"{number.quantize(Decimal('0.1')).normalize():f}"
    return (text.replace(".", ",") if language == "vi" else text) + " %"


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# What a badge's status code means (detectors' badge claims), for the Vietnamese interface.
BADGE_STATUSES_VI = {
    "valid": "khớp hồ sơ còn hiệu lực của tên miền này",
    "unverified": "có liên kết tới hồ sơ nhưng chưa đối chiếu sổ đăng ký",
    "no_link": "ảnh biểu tượng không có liên kết",
    "not_portal": "liên kết không trỏ tới online.gov.vn",
    "no_record_id": "liên kết online.gov.vn không có mã hồ sơ",
    "unresolved": "hồ sơ chưa có trong sổ đăng ký (chưa tra được?)",
    "not_found": "không có mã hồ sơ này trong sổ đăng ký đầy đủ",
    "other_domain": "hồ sơ thuộc tên miền khác",
    "revoked": "hồ sơ đã bị thu hồi",
    "pending": "hồ sơ đang chờ xác nhận",
}


@dataclass(frozen=True)
class ShownValue:
    key: str
    label: str
    text: str  # plain text; the template escapes it
    structured: bool = False  # JSON, shown in a code block
    columns: tuple[str, ...] = ()  # a list of records, shown as a small table
    rows: tuple[tuple[str, ...], ...] = ()


def shown_values(evidence: dict[str, Any], language: str, t: Translator) -> list[ShownValue]:
    """The values a rule compared, labelled and formatted for a reviewer."""
    values = []
    for key, value in evidence.items():
        if key in SHOWN_APART or value in (None, "", [], {}):
            continue
        values.append(_shown(key, _label(key, language), value, language, t))
    return values


def _shown(key: str, label: str, value: Any, language: str, t: Translator) -> ShownValue:
    if isinstance(value, bool):
        return ShownValue(key, label, t("yes") if value else t("no"))
    if key in MONEY_KEYS or key.endswith("_price"):
        return ShownValue(key, label, vnd(value, language))
    if key in RATIO_KEYS or key.endswith("_ratio"):
        return ShownValue(key, label, percent(value, language))
    if key.endswith("_percent"):
        return ShownValue(key, label, percent(value, language, share=False))
    if key == "date" or key.endswith("_date"):
        return ShownValue(key, label, _day_shown(value))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ShownValue(key, label, " · ".join(value))
    records = [value] if isinstance(value, dict) else value
    if isinstance(records, list) and records and all(isinstance(r, dict) for r in records):
        names = tuple(dict.fromkeys(name for record in records for name in record))
        if all(not isinstance(r.get(n), (dict, list)) for r in records for n in names):
            columns = tuple(_label(name, language) for name in names)
            rows = tuple(tuple(_cell(name, r.get(name), language) for name in names) for r in records)
            return ShownValue(key, label, "", columns=columns, rows=rows)
    if isinstance(value, (dict, list)):
        return ShownValue(key, label, json.dumps(value, ensure_ascii=False, indent=1, default=str), structured=True)
    return ShownValue(key, label, _cell(key, value, language))


def _label(key: str, language: str) -> str:
    return LABELS_VI.get(key, key) if language == "vi" else key.replace("_", " ")


def _cell(key: str, value: Any, language: str) -> str:
    if value is None:
        return "—"
    if language == "vi" and key in ("reason", "status") and value in BADGE_STATUSES_VI:
        return f"{BADGE_STATUSES_VI[value]} ({value})"
    return str(value)


def _day_shown(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
