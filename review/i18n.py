"""The interface's words: Vietnamese by default, English on request (a ``lang`` cookie).

Templates write English keys (``t("Sign in")``); ``VI`` gives each its Vietnamese. A test checks that
every key the templates and views use has a translation, so no English leaks into the Vietnamese UI.
"""

from __future__ import annotations

from typing import Callable

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

VI: dict[str, str] = {
    # layout, sign-in
    "ecwatch review": "ecwatch – xem xét phát hiện",
    "Trade Promotion Department": "Cục Xúc tiến thương mại",
    "Sign in": "Đăng nhập",
    "Sign out": "Đăng xuất",
    "User name": "Tên đăng nhập",
    "Password": "Mật khẩu",
    "Wrong user name or password, or the account is disabled.": "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khoá.",
    "Too many failed sign-ins. Try again in {seconds} s.": "Đăng nhập sai quá nhiều lần. Thử lại sau {seconds} giây.",
    "Your session has ended. Please sign in again.": "Phiên làm việc đã hết. Vui lòng đăng nhập lại.",
    "Tiếng Việt": "Tiếng Việt",
    "English": "English",
    "Keyboard shortcuts": "Phím tắt",
    "Users": "Người dùng",
    "Registry": "Sổ đăng ký",
    # roles
    "viewer": "người xem",
    "investigator": "điều tra viên",
    "admin": "quản trị",
    # queue
    "Queue": "Hàng chờ xem xét",
    "Findings": "Phát hiện",
    "Rule": "Quy tắc",
    "State": "Trạng thái",
    "Decision": "Quyết định",
    "Site": "Trang web",
    "Severity": "Mức độ",
    "From": "Từ ngày",
    "To": "Đến ngày",
    "New since my last visit": "Mới từ lần truy cập trước",
    "since {when}": "kể từ {when}",
    "Mark all as seen": "Đánh dấu đã xem tất cả",
    "Sort": "Sắp xếp",
    "Most severe, oldest first": "Nghiêm trọng nhất, cũ nhất trước",
    "Oldest first": "Cũ nhất trước",
    "Newest first": "Mới nhất trước",
    "Filter": "Lọc",
    "Clear": "Xoá bộ lọc",
    "any": "tất cả",
    "open": "còn hiển thị",
    "gone": "đã gỡ",
    "undecided": "chưa xử lý",
    "confirmed": "đã xác nhận",
    "dismissed": "đã bác bỏ",
    "escalated": "đã chuyển cấp trên",
    "high": "cao",
    "medium": "trung bình",
    "low": "thấp",
    "new": "mới",
    "Counts per rule": "Số lượng theo quy tắc",
    "total": "tổng",
    "{count} findings match": "{count} phát hiện khớp bộ lọc",
    "No finding matches this filter.": "Không có phát hiện nào khớp bộ lọc.",
    "First seen": "Ghi nhận lần đầu",
    "What was found": "Nội dung phát hiện",
    "Page {page} of {pages}": "Trang {page}/{pages}",
    "Previous": "Trước",
    "Next": "Tiếp",
    "Decide all {count} findings of {rule} on this site": "Quyết định chung cho {count} phát hiện {rule} trên trang này",
    "Apply to these findings": "Áp dụng cho các phát hiện này",
    "Export CSV": "Xuất CSV",
    "Export signed bundle": "Xuất gói bằng chứng có chữ ký",
    "Exports cover the whole filter, not only this page.": "Tệp xuất gồm toàn bộ kết quả lọc, không chỉ trang này.",
    # finding page
    "Finding": "Phát hiện",
    "Back to the queue": "Về hàng chờ",
    "Screenshot": "Ảnh chụp màn hình",
    "The outlined element is what the rule flagged.": "Phần tử được khoanh đỏ là nội dung quy tắc đã phát hiện.",
    "The element could not be located in the screenshot.": "Không xác định được vị trí phần tử trong ảnh chụp.",
    "This finding concerns the whole site, not one element.": "Phát hiện này liên quan đến cả trang web, không phải một phần tử.",
    "No screenshot was captured for this finding.": "Không có ảnh chụp màn hình cho phát hiện này.",
    "Show the element": "Tới phần tử",
    "Snippet": "Đoạn trích",
    "CSS path": "Đường dẫn CSS",
    "Values compared": "Giá trị đối chiếu",
    "Legal basis": "Căn cứ pháp lý",
    "Uncertain": "Chưa chắc chắn",
    "Page": "Trang",
    "Observed": "Thời điểm ghi nhận",
    "Last seen": "Ghi nhận gần nhất",
    "Sightings": "Các lần ghi nhận",
    "reference": "bản tham chiếu",
    "withdrawn": "đã rút",
    "Files": "Tệp",
    "kind": "loại",
    "size": "dung lượng",
    "view as text": "xem dạng văn bản",
    "download": "tải về",
    "view": "xem",
    "Ad {ad} redirect chain": "Chuỗi chuyển hướng của quảng cáo {ad}",
    "Price history": "Lịch sử giá",
    "No price history is recorded for this product yet.": "Chưa có lịch sử giá cho sản phẩm này.",
    "{n} observations of {product}": "{n} lần ghi nhận {product}",
    "Other findings on this site": "Các phát hiện khác trên trang này",
    "None.": "Không có.",
    "History": "Lịch sử",
    "When": "Thời điểm",
    "Who": "Người thực hiện",
    "Change": "Thay đổi",
    "Note": "Ghi chú",
    "Reason": "Lý do",
    "machine": "hệ thống",
    "Why the rule fired": "Vì sao quy tắc phát hiện",
    "Re-run the detectors on the stored page and show their reasons": "Chạy lại bộ phát hiện trên trang đã lưu và xem lý do",
    "The detectors' explanation is not available in this version.": "Phiên bản này chưa có phần giải thích của bộ phát hiện.",
    "The stored page could not be read: {problem}": "Không đọc được trang đã lưu: {problem}",
    "raised": "đã phát hiện",
    "silent": "không phát hiện",
    "not in force": "không có hiệu lực",
    "Page signals": "Dấu hiệu của trang",
    "Offers read on the page": "Giá bán đọc được trên trang",
    "Badges read on the page": "Biểu tượng đọc được trên trang",
    "Name": "Tên",
    "Price": "Giá",
    "Reference price": "Giá tham chiếu",
    "Flags": "Ghi chú",
    "Everything the detectors saw (JSON)": "Toàn bộ dữ liệu bộ phát hiện đọc được (JSON)",
    # decisions
    "Your decision": "Quyết định của bạn",
    "Confirm": "Xác nhận vi phạm",
    "Dismiss": "Bác bỏ",
    "Escalate": "Chuyển cấp trên",
    "Reopen": "Mở lại",
    "choose a reason to dismiss": "chọn lý do bác bỏ",
    "Then open the next finding": "Sau đó mở phát hiện tiếp theo",
    "Decided by {who} on {when}": "{who} quyết định lúc {when}",
    "Viewers can read findings; deciding needs an investigator account.": "Người xem chỉ đọc được; cần tài khoản điều tra viên để quyết định.",
    "Decision recorded.": "Đã ghi nhận quyết định.",
    "A dismissal needs a reason.": "Bác bỏ cần có lý do.",
    "Explain the other reason in the note.": "Hãy ghi rõ lý do khác trong phần ghi chú.",
    "That was the last finding of the queue.": "Đây là phát hiện cuối cùng trong hàng chờ.",
    "false-detection": "nhận diện sai",
    "exempt-goods": "hàng hoá được miễn trừ",
    "registered": "đã thông báo/đăng ký",
    "in-promotion-window": "trong đợt khuyến mại tập trung",
    "not-vietnam-facing": "không hướng tới người dùng Việt Nam",
    "duplicate": "trùng lặp",
    "other": "lý do khác",
    # evidence text
    "Evidence file": "Tệp bằng chứng",
    "Shown as text: the page's scripts never run here.": "Hiển thị dạng văn bản: mã script của trang không bao giờ chạy ở đây.",
    "Only the first {size} are shown; download the file for the rest.": "Chỉ hiển thị {size} đầu tiên; tải tệp về để xem phần còn lại.",
    # exports, admin
    "No signing key: an administrator must run 'ecwatch keys init' first.": "Chưa có khoá ký: quản trị viên cần chạy 'ecwatch keys init' trước.",
    "Nothing to export: no finding matches this filter.": "Không có gì để xuất: không phát hiện nào khớp bộ lọc.",
    "The export failed: {problem}": "Xuất thất bại: {problem}",
    "Add a user": "Thêm người dùng",
    "Role": "Vai trò",
    "Active": "Hoạt động",
    "Created": "Ngày tạo",
    "Last visit": "Lần truy cập gần nhất",
    "Add": "Thêm",
    "Disable": "Khoá",
    "Enable": "Mở khoá",
    "Set role": "Đổi vai trò",
    "yes": "có",
    "no": "không",
    "User saved.": "Đã lưu người dùng.",
    "Import registry records": "Nhập hồ sơ thông báo/đăng ký",
    "A CSV with columns domain, record_id, kind, status (and optionally company). The stored pages of the domains it names are judged again.":
        "Tệp CSV với các cột domain, record_id, kind, status (có thể thêm company). Các trang đã lưu của những tên miền trong tệp sẽ được đánh giá lại.",
    "Import": "Nhập",
    "Imported {count} records; {snapshots} stored pages of {sites} sites judged again.":
        "Đã nhập {count} hồ sơ; đã đánh giá lại {snapshots} trang đã lưu của {sites} trang web.",
    # errors
    "Not found": "Không tìm thấy",
    "You may not do this with your role.": "Vai trò của bạn không được phép làm việc này.",
    "The form had expired or did not come from this app. Reload the page and try again.":
        "Biểu mẫu đã hết hạn hoặc không đến từ ứng dụng này. Tải lại trang và thử lại.",
    "Something went wrong": "Đã xảy ra lỗi",
    # shortcuts
    "next finding": "phát hiện tiếp theo",
    "previous finding": "phát hiện trước",
    "confirm (with the note typed)": "xác nhận (kèm ghi chú đã nhập)",
    "dismiss (choose the reason first)": "bác bỏ (chọn lý do trước)",
    "escalate": "chuyển cấp trên",
    "back to the queue": "về hàng chờ",
    "move in the list / open": "di chuyển trong danh sách / mở",
    "show this help": "hiện trợ giúp này",
}


Translator = Callable[..., str]


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def translator(language: str) -> Translator:
    """``t(key, **values)``: the key's words in ``language``, with ``{name}`` filled from ``values``."""
    table = VI if language == "vi" else {}

    def t(key: str, **values: object) -> str:
        text = table.get(key, key)
        return text.format(**values) if values else text

    return t
