"""Medicines in a product name, a sentence or a product sheet, and whether they need a prescription.

Until 25/06/2026 no medicine for humans could be promoted (old Decree 81/2018 Art. 5, "thuốc chữa
bệnh cho người"); from 26/06/2026 only prescription drugs ("thuốc kê đơn", Decree 81 Art. 5 as
rewritten by Decree 239/2026). The rule row's ``medicines`` threshold says which applies; this module
only reads the page. What a page shows about prescription status, strongest first:

- a labelled value: "Thuốc cần kê toa: Có" / "Thuốc kê đơn: Không" (pharmacy product sheets);
- a marker: "Thuốc không kê đơn", "không cần kê đơn", "OTC" (no); "Thuốc kê đơn", "cần kê toa",
  "bán theo đơn", "chỉ bán khi có chỉ định của bác sĩ", "Rx" (yes);
- an active ingredient sold only on prescription in Vietnam (an inference, recorded as such).

A supplement ("thực phẩm bảo vệ sức khỏe", "không phải là thuốc") is no medicine unless a
prescription marker says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from detectors.lexicons import compile_terms

__all__ = ["MedicineMatch", "find_medicine"]


@dataclass(frozen=True)
class MedicineMatch:
    term: str  # the words that make the text a medicine
    prescription: str  # "yes" | "no" | "unknown"
    basis: str | None  # the marker or active ingredient behind ``prescription``


# "thuốc" senses that are not medicines; removed before looking for medicine words.
NOT_MEDICINE_RE = re.compile(
    r"thuốc\s+(?:lá|lào|nhuộm|tẩy|uốn|duỗi|diệt|trừ\s+sâu|xịt\s+(?:muỗi|côn\s+trùng|kiến|gián)|bảo\s+vệ\s+thực\s+vật"
    r"|thú\s+y|súng|nổ|thử|màu|đánh\s+răng|nhuộm\s+tóc)"
    r"|không\s+phải\s+là\s+thuốc|thay\s+thế\s+thuốc(?:\s+chữa\s+bệnh)?",  # the supplement disclaimer
    re.IGNORECASE,
)
# Medicines named to be left out: "không áp dụng cho thuốc kê đơn" (not valid for prescription drugs),
# "trừ thuốc" (except medicines), "không bán thuốc kê đơn online" (no prescription drugs sold online).
EXCLUDED_RE = re.compile(
    r"(?:không\s+áp\s+dụng|không\s+bán|ngoại\s+trừ|loại\s+trừ|(?<!\w)trừ)\s+(?:\w+\s+){0,3}?thuốc"
    r"(?:\s+(?:cần\s+)?kê\s+(?:đơn|toa))?",
    re.IGNORECASE,
)
# Decree 81 Art. 5 covers medicines for humans: veterinary products are out.
VETERINARY_RE = re.compile(r"(?:dành\s+)?cho\s+(?:chó|mèo|thú\s+cưng|vật\s+nuôi|gia\s+súc|gia\s+cầm)|thú\s+y", re.I)
# Health supplements: "thực phẩm bảo vệ sức khỏe" (the legal name), "thực phẩm chức năng", the disclaimer.
SUPPLEMENT_TERMS = (
    "thực phẩm bảo vệ sức khỏe", "thực phẩm bảo vệ sức khoẻ", "TPBVSK", "thực phẩm chức năng", "TPCN",
    "thực phẩm bổ sung",  # food supplement
    "không phải là thuốc",  # "is not a medicine"
)
# Medicine words whose prescription status the words alone do not tell.
MEDICINE_TERMS = (
    "thuốc ho", "thuốc giảm đau", "thuốc hạ sốt", "thuốc kháng sinh", "thuốc ngủ", "thuốc an thần",  # cough,
    # pain, fever, antibiotic, sleeping pill, sedative
    "thuốc trị", "thuốc chữa", "thuốc điều trị", "thuốc nhỏ mắt", "thuốc nhỏ mũi", "thuốc bôi",  # treat, cure,
    # eye / nose drops, ointment
    "thuốc mỡ", "thuốc tránh thai", "thuốc cảm", "thuốc dạ dày", "thuốc huyết áp", "thuốc tiểu đường",  # salve,
    # contraceptive, cold, stomach, blood pressure, diabetes
    "thuốc tiêm", "thuốc xịt mũi", "thuốc đau đầu", "thuốc bổ",  # injection, nasal spray, headache, tonic
    # active ingredients also sold without prescription
    "paracetamol", "ibuprofen", "omeprazole", "loratadine", "cetirizine", "acyclovir", "aspirin",
)
# Active ingredients sold only on prescription in Vietnam (not on the non-prescription list of
# Circular 07/2017/TT-BYT): hypnotics and benzodiazepines, opioids, antibiotics, cardiovascular and
# diabetes drugs, systemic corticosteroids, erectile-dysfunction and abortion drugs.
PRESCRIPTION_INGREDIENTS = (
    "zopiclone", "zolpidem", "diazepam", "alprazolam", "clonazepam", "lorazepam", "bromazepam",
    "tramadol", "morphine",
    "amoxicillin", "amoxicilin", "azithromycin", "clarithromycin", "cefuroxime", "cefixime", "cefalexin",
    "ciprofloxacin", "levofloxacin", "doxycycline",
    "amlodipine", "losartan", "metformin", "atorvastatin", "rosuvastatin",
    "dexamethasone", "prednisolone", "methylprednisolone",
    "sildenafil", "tadalafil", "misoprostol", "mifepristone",
)
# "Thuốc cần kê toa: Có" / "Thuốc kê đơn Không": a sheet row, the label then its value ("có" = yes).
PRESCRIPTION_VALUE_RE = re.compile(
    r"(?:thuốc\s+)?(?:cần\s+)?kê\s+(?:toa|đơn)\s*:?\s*(?P<value>có|không|yes|no)(?!\w)", re.IGNORECASE
)
# Non-prescription: "thuốc không kê đơn", "không cần kê đơn/toa", "thuốc không cần toa".
NOT_PRESCRIPTION_RE = re.compile(
    r"thuốc\s+không\s+(?:cần\s+)?(?:kê\s+)?(?:đơn|toa)|không\s+cần\s+(?:kê\s+)?(?:đơn|toa)", re.IGNORECASE
)
OTC_RE = re.compile(r"(?<!\w)OTC(?!\w)")  # case-sensitive
# Prescription: "thuốc kê đơn", "cần kê toa", "bán theo đơn" (not "theo đơn hàng", per order),
# "theo đơn của bác sĩ", "chỉ bán khi có chỉ định của bác sĩ".
PRESCRIPTION_RE = re.compile(
    r"thuốc\s+(?:cần\s+)?kê\s+(?:toa|đơn)|cần\s+kê\s+(?:toa|đơn)"
    r"|(?:bán|mua|dùng)\s+theo\s+(?:đơn|toa)(?!\s+hàng)|theo\s+(?:đơn|toa|chỉ\s+định)\s+(?:của\s+)?bác\s+sĩ"
    r"|chỉ\s+bán\s+(?:khi\s+có|theo)\s+(?:đơn|toa|chỉ\s+định)",
    re.IGNORECASE,
)
RX_RE = re.compile(r"(?<![\w])Rx(?![\w])")  # case-sensitive: the prescription mark
# "thuốc" plus a dosage form ("Thuốc X hộp 10 vỉ x 10 viên nén") is a medicine too.
DOSAGE_FORM_RE = re.compile(
    r"viên\s+(?:nén|nang|sủi|bao\s+phim)|siro|hỗn\s+dịch|dung\s+dịch\s+uống|ống\s+tiêm|\d+\s*mg\b|\bvỉ\b", re.I
)
# A drug registration number: "VD-12345-12" (made in Vietnam), "VN-12345-12" (imported).
DRUG_REGISTRATION_RE = re.compile(r"(?<![\w-])V[DN]\d?-\d{3,6}-\d{2}(?![\w-])")

_SUPPLEMENT = compile_terms(SUPPLEMENT_TERMS)
_MEDICINE = compile_terms(MEDICINE_TERMS)
_PRESCRIPTION_INGREDIENT = compile_terms(PRESCRIPTION_INGREDIENTS)
_THUOC = re.compile(r"(?<!\w)thuốc(?!\w)", re.IGNORECASE)


def find_medicine(text: str) -> MedicineMatch | None:
    """The medicine ``text`` names (a product name, a sentence, a product sheet), if any."""
    if VETERINARY_RE.search(text):
        return None
    text = EXCLUDED_RE.sub(" ", text)
    status, marker = _marked_status(text)
    if _SUPPLEMENT.search(text) and status != "yes":
        return None  # a supplement, unless a prescription marker says it is a drug
    cleaned = NOT_MEDICINE_RE.sub(" ", text)
    ingredient = _PRESCRIPTION_INGREDIENT.search(cleaned)
    if status == "unknown" and ingredient:
        status, marker = "yes", f"active ingredient {ingredient.group(0)} (prescription-only)"
    # A prescription marker ("Thuốc kê đơn", "thuốc không kê đơn", "Rx") names a medicine by itself;
    # "OTC" alone does not.
    term = _medicine_term(cleaned, ingredient) or (marker if marker and not OTC_RE.fullmatch(marker) else None)
    return MedicineMatch(term, status, marker) if term else None


def _marked_status(text: str) -> tuple[str, str | None]:
    value = PRESCRIPTION_VALUE_RE.search(text)
    if value:
        return ("yes" if value.group("value").lower() in ("có", "yes") else "no"), value.group(0)
    for pattern, status in ((NOT_PRESCRIPTION_RE, "no"), (OTC_RE, "no"), (PRESCRIPTION_RE, "yes"), (RX_RE, "yes")):
        match = pattern.search(text)
        if match:
            return status, match.group(0)
    return "unknown", None


def _medicine_term(cleaned: str, ingredient: re.Match[str] | None) -> str | None:
    match = ingredient or _MEDICINE.search(cleaned) or DRUG_REGISTRATION_RE.search(cleaned)
    if match:
        return match.group(0)
    thuoc = _THUOC.search(cleaned)
    form = DOSAGE_FORM_RE.search(cleaned) if thuoc else None
    return f"{thuoc.group(0)} … {form.group(0)}" if thuoc and form else None
