"""The CLI's words in Vietnamese, keyed by the English text in the code (``cli.i18n.tr``).

tests/test_cli_language.py checks that every text the CLI passes to ``tr`` has an entry here.
"""

from __future__ import annotations

VI: dict[str, str] = {
    # --- tables: column headers and titles ---
    "id": "mã",
    "rule": "quy tắc",
    "severity": "mức độ",
    "site": "trang web",
    "state": "trạng thái",
    "decision": "quyết định",
    "first seen": "thấy lần đầu",
    "title": "tiêu đề",
    "message": "mô tả",
    "url": "url",
    "evidence": "bằng chứng",
    "legal basis": "căn cứ pháp lý",
    "spider": "spider",
    "trigger": "kích hoạt",
    "status": "tình trạng",
    "started": "bắt đầu",
    "finished": "kết thúc",
    "pages": "số trang",
    "new/open/gone": "mới/còn/hết",
    "errors": "lỗi",
    "name": "tên",
    "when": "lịch",
    "next run": "lần chạy tới",
    "seeds": "tệp URL gốc",
    "time limit": "giới hạn thời gian",
    "last run": "lần chạy trước",
    "last started": "bắt đầu lần trước",
    "domain": "tên miền",
    "record id": "mã hồ sơ",
    "kind": "loại",
    "source": "nguồn",
    "company": "doanh nghiệp",
    "input": "đầu vào",
    "description": "mô tả",
    "Findings": "Phát hiện",
    "Findings for {url}": "Phát hiện cho {url}",
    "Crawl runs": "Các lần thu thập",
    "Schedules ({zone})": "Lịch thu thập ({zone})",
    "Registry records": "Hồ sơ thông báo/đăng ký",
    "Spiders": "Các spider",
    "times in Asia/Ho_Chi_Minh, UTC+07:00": "giờ Asia/Ho_Chi_Minh, UTC+07:00",
    # --- crawl summary ---
    "Crawl run {id} ({spider}): {status}": "Lần thu thập {id} ({spider}): {status}",
    "new": "mới",
    "still open": "vẫn còn",
    "reopened": "mở lại",
    "gone": "đã hết",
    "findings": "phát hiện",
    "{pages} pages from {sites} sites, {errors} errors": "{pages} trang từ {sites} trang web, {errors} lỗi",
    "No page could be fetched:": "Không tải được trang nào:",
    "Failed: {why}": "Thất bại: {why}",
    "Errors: {what}": "Lỗi: {what}",
    "see the log": "xem nhật ký",
    "Database: {db}": "Cơ sở dữ liệu: {db}",
    "Evidence files: {path}": "Tệp bằng chứng: {path}",
    "Log: {path}": "Nhật ký: {path}",
    "The crawl did not start (see the log above).": "Lần thu thập không khởi động được (xem nhật ký ở trên).",
    # why a request failed (crawler.failures.REASONS)
    "DNS lookup failed": "không phân giải được tên miền (DNS)",
    "connection refused": "bị từ chối kết nối",
    "TLS/certificate error": "lỗi TLS/chứng chỉ",
    "timed out": "quá thời gian chờ",
    "forbidden by robots.txt": "bị robots.txt chặn",
    "private address refused": "từ chối địa chỉ nội bộ",
    "connection closed": "kết nối bị đóng",
    "other error": "lỗi khác",
    # --- findings ---
    "No findings match (database {db}).": "Không có phát hiện nào khớp (cơ sở dữ liệu {db}).",
    "No findings for {url}": "Không có phát hiện nào cho {url}",
    "Finding {id}: {rule} ({severity}) on {site}": "Phát hiện {id}: {rule} ({severity}) trên {site}",
    "Legal basis: {basis}": "Căn cứ pháp lý: {basis}",
    "Uncertain: {why}": "Chưa chắc chắn: {why}",
    "uncertain: {why}": "chưa chắc chắn: {why}",
    "undecided": "chưa quyết định",
    "by {who} at {when}": "bởi {who} lúc {when}",
    "State: {state} since {when}; decision: {decision}": "Trạng thái: {state} từ {when}; quyết định: {decision}",
    "First seen {first}, last seen {last}": "Thấy lần đầu {first}, lần cuối {last}",
    "Reference sighting: {url}": "Lần ghi nhận tham chiếu: {url}",
    "snippet": "đoạn trích",
    "CSS path": "đường dẫn CSS",
    "values compared": "giá trị so sánh",
    "Sightings ({count}):": "Các lần ghi nhận ({count}):",
    "reference": "tham chiếu",
    "withdrawn": "đã rút",
    "snapshot": "bản chụp",
    "    ad {ad}: {hops} hop(s) to {url}": "    quảng cáo {ad}: {hops} bước chuyển hướng tới {url}",
    "History:": "Lịch sử:",
    "Finding {id}: {old} -> {new} by {who} (database {db})":
        "Phát hiện {id}: {old} -> {new} bởi {who} (cơ sở dữ liệu {db})",
    # --- runs, schedules, registry, rejudge, db ---
    "No crawl runs yet (database {db}).": "Chưa có lần thu thập nào (cơ sở dữ liệu {db}).",
    "Schedule {name}: {spider} at '{when}' ({zone}), next run {next} (database {db})":
        "Lịch {name}: {spider} theo '{when}' ({zone}), lần chạy tới {next} (cơ sở dữ liệu {db})",
    "Schedule {name} removed (database {db}).": "Đã xóa lịch {name} (cơ sở dữ liệu {db}).",
    "No schedules yet (database {db}): add one with 'ecwatch schedule add'.":
        "Chưa có lịch nào (cơ sở dữ liệu {db}): thêm bằng 'ecwatch schedule add'.",
    "Nothing to re-detect: every current page is judged under the current rules (to judge them again anyway, "
    "e.g. after a registry change: ecwatch rejudge).":
        "Không có gì cần phát hiện lại: mọi trang hiện tại đã được đánh giá theo quy tắc hiện hành (muốn đánh giá "
        "lại, ví dụ sau khi sổ đăng ký thay đổi: ecwatch rejudge).",
    "database {db}": "cơ sở dữ liệu {db}",
    "paused": "tạm dừng",
    "never": "chưa chạy",
    "(re-detection)": "(phát hiện lại)",
    "Imported {count} registry records from {path} into {db}": "Đã nhập {count} hồ sơ từ {path} vào {db}",
    "No registry records yet (database {db}); import some with 'ecwatch registry import'.":
        "Chưa có hồ sơ nào (cơ sở dữ liệu {db}); nhập bằng 'ecwatch registry import'.",
    "No registry records for {domain} (database {db}).": "Không có hồ sơ nào cho {domain} (cơ sở dữ liệu {db}).",
    "Did you mean {other}?": "Có phải ý bạn là {other}?",
    "Re-judged {pages} current pages of {sites} sites (database {db}).":
        "Đã đánh giá lại {pages} trang hiện tại của {sites} trang web (cơ sở dữ liệu {db}).",
    "  could not judge {what}": "  không đánh giá được {what}",
    "{db} is at revision {revision}": "{db} đang ở phiên bản lược đồ {revision}",
    # --- export ---
    "Exporting findings": "Đang xuất phát hiện",
    "Bundling findings": "Đang đóng gói phát hiện",
    "Wrote {rows} findings to {path} (database {db})": "Đã ghi {rows} phát hiện vào {path} (cơ sở dữ liệu {db})",
    "Wrote {rows} findings and {files} files to {path}, signed by key {key} (database {db})":
        "Đã ghi {rows} phát hiện và {files} tệp vào {path}, ký bằng khóa {key} (cơ sở dữ liệu {db})",
    # --- spiders ---
    "Crawls each seed's site (its registrable domain): product, category, pagination and promotion pages, "
    "never login, cart or search pages.":
        "Thu thập trang web của từng URL gốc (theo tên miền đăng ký): trang sản phẩm, danh mục, phân trang và "
        "khuyến mại; không vào trang đăng nhập, giỏ hàng hay tìm kiếm.",
    "Follows each ad or affiliate link through its whole redirect chain to the landing page, and keeps the ad id "
    "and every hop with the findings.":
        "Đi theo từng liên kết quảng cáo hoặc tiếp thị liên kết qua toàn bộ chuỗi chuyển hướng tới trang đích, giữ "
        "mã quảng cáo và mọi bước chuyển hướng cùng các phát hiện.",
    # --- rules and calendar ---
    "Rules in force on {day}": "Các quy tắc có hiệu lực ngày {day}",
    "Not in force on {day}: {id} (valid {valid})": "Không có hiệu lực ngày {day}: {id} (hiệu lực {valid})",
    "{id}: {count} dated row(s), oldest first": "{id}: {count} dòng theo ngày, cũ nhất trước",
    "{id}  valid {valid}  confidence {confidence}  severity {severity}":
        "{id}  hiệu lực {valid}  độ tin cậy {confidence}  mức độ {severity}",
    "thresholds": "ngưỡng",
    "lifted in concentrated-promotion windows": "được miễn trong đợt khuyến mại tập trung",
    "yes": "có",
    "uncertainty": "điểm chưa chắc chắn",
    "note": "ghi chú",
    "Concentrated-promotion windows": "Các đợt khuyến mại tập trung",
    "Concentrated-promotion windows touching {year}": "Các đợt khuyến mại tập trung trong năm {year}",
    "confidence {value}": "độ tin cậy {value}",
    # --- demo ---
    "Demo shops on 127.0.0.1:{port}: {seeds}": "Cửa hàng demo tại 127.0.0.1:{port}: {seeds}",
    "Demo ads: {path}": "Quảng cáo demo: {path}",
    "Next, try:": "Tiếp theo, hãy thử:",
    "what the crawl flagged, one line each": "những gì lần thu thập đã gắn cờ, mỗi phát hiện một dòng",
    "one finding in full: evidence files, legal basis, history":
        "toàn bộ một phát hiện: tệp bằng chứng, căn cứ pháp lý, lịch sử",
    "the findings as a spreadsheet": "các phát hiện dưới dạng bảng tính",
    "Demo shops on http://127.0.0.1:{port}/ (Ctrl-C to stop).":
        "Các cửa hàng demo chạy tại http://127.0.0.1:{port}/ (Ctrl-C để dừng).",
    "Host map (the form ECWATCH_HOST_MAP takes):": "Bảng ánh xạ tên máy (dạng ECWATCH_HOST_MAP nhận):",
    "Shops: {urls}": "Cửa hàng: {urls}",
    "Portal stand-in: {url}": "Cổng thông tin giả lập: {url}",
    "Try a crawl, in another terminal:": "Thử thu thập, trong một cửa sổ dòng lệnh khác:",
    "Stopped.": "Đã dừng.",
    "no price history for {target} (database {db})": "không có lịch sử giá cho {target} (cơ sở dữ liệu {db})",
    "Price history of {key} on {site}": "Lịch sử giá của {key} trên {site}",
    "Wrote the chart to {path}": "Đã vẽ biểu đồ vào {path}",
    "No revisit is due: no page showed a deadline to test again lately.":
        "Không có lượt truy cập lại nào đến hạn: gần đây không trang nào hiện thời hạn cần kiểm tra lại.",
    "seen": "thời điểm",
    "price": "giá",
    "discount": "giảm giá",
    "price chart": "biểu đồ giá",
    "deadline": "hạn kết thúc",
    # --- shared mode ---
    "Run {run} (database run {id}): {added} seeds queued, {known} scheduled already.":
        "Lượt chạy {run} (lượt {id} trong cơ sở dữ liệu): {added} địa chỉ gốc đã xếp hàng, {known} đã có từ trước.",
    "Start workers with: ecwatch worker {spider} --run {run}":
        "Khởi động các tiến trình làm việc bằng: ecwatch worker {spider} --run {run}",
    "done": "xong",
    "being closed by another worker": "đang được một tiến trình khác kết thúc",
    "{queued} queued, {in_flight} in flight": "{queued} đang chờ, {in_flight} đang xử lý",
    "Worker stored {pages} pages; run {run} (database run {id}): {state}, status {status}.":
        "Tiến trình đã lưu {pages} trang; lượt chạy {run} (lượt {id} trong cơ sở dữ liệu): {state}, trạng thái {status}.",
    "{count} ({alive} working)": "{count} ({alive} đang chạy)",
    "Redis not reachable": "không kết nối được Redis",
    "workers": "tiến trình",
    "mode": "chế độ",
    "shared": "dùng chung",
    "embedded": "nhúng",
    "Standing worker for {spider}: waiting for shared runs (Ctrl-C to stop).":
        "Tiến trình thường trực cho {spider}: đang chờ các lượt chạy dùng chung (Ctrl-C để dừng).",
}
