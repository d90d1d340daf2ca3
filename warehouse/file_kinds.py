"""What each kind of loaded file holds, in words: the load's summary line (etl) and the data page's
load history (pages) name a kind the same way."""

from __future__ import annotations

FILE_KIND_LABELS = {
    "dossier": "hồ sơ", "step": "bước xử lý", "agency": "danh sách đơn vị",
    "procedure": "danh mục thủ tục", "target": "chỉ tiêu kế hoạch",
    "pakn": "phản ánh, kiến nghị", "rating": "đánh giá hài lòng", "role": "vai trò người dùng",
    "calendar": "lịch ngày nghỉ, ngày làm bù", "apology": "phiếu xin lỗi",
    "published_766": "điểm Bộ chỉ số 766 Cổng quốc gia công bố",
    "published_766_match": "bảng đối chiếu đơn vị với Cổng (điểm 766)",
    "demo": "dữ liệu mẫu",
}


def file_kind_label(kind: str | None) -> str:
    """'Hồ sơ', 'Điểm Bộ chỉ số 766 …': a kind as a heading or a table cell reads it."""
    label = FILE_KIND_LABELS.get(kind or "", kind or "?")
    return label[:1].upper() + label[1:]
