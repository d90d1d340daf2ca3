"""Reference data of the demo province: agencies, procedures and the annual plan targets.

Units (districts, communes, the 2025 crosswalk) come from the official list in `warehouse.units`;
what is written here is the part no official package ships: which departments a province has,
an illustrative procedure catalogue and how dossiers spread over them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from warehouse import units

DEMO_PROVINCE = "22"          # Quảng Ninh: kept its borders in 2025, so one province across both eras
DEMO_PROVINCE_ID = "H49"      # its level-1 segment in electronic identifier codes
REORG_DATE = "2025-07-01"

FIELDS = {
    "HT": "Hộ tịch",
    "CT": "Chứng thực",
    "DD": "Đất đai",
    "XD": "Xây dựng",
    "DKKD": "Đăng ký kinh doanh",
    "LLTP": "Lý lịch tư pháp",
    "DB": "Đường bộ",
    "GD": "Giáo dục và đào tạo",
    "YT": "Y tế",
    "LD": "Lao động, việc làm",
    "MT": "Môi trường",
    "TM": "Thương mại",
    "VH": "Văn hóa, du lịch",
    "KH": "Khoa học, công nghệ",
    "TG": "Tín ngưỡng, tôn giáo",
    "DT": "Đầu tư",
    "NV": "Ngoại vụ",
    "BTXH": "Bảo trợ xã hội",
    "NCC": "Người có công",
    "CTRU": "Cư trú",
    "DKX": "Đăng ký, quản lý phương tiện",
    "THUE": "Thuế",
    "BHXH": "Bảo hiểm xã hội, bảo hiểm y tế",
}

# key, name, level
DEPARTMENTS = [
    ("STP", "Sở Tư pháp", "department"),
    ("STC", "Sở Tài chính", "department"),
    ("SXD", "Sở Xây dựng", "department"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "department"),
    ("VPDKDD", "Văn phòng Đăng ký đất đai", "department"),
    ("SCT", "Sở Công Thương", "department"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "department"),
    ("SYT", "Sở Y tế", "department"),
    ("SNV", "Sở Nội vụ", "department"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "department"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "department"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", "department"),
    ("BQLKKT", "Ban Quản lý Khu kinh tế", "department"),
    ("SNGV", "Sở Ngoại vụ", "department"),
    ("CA", "Công an", "central"),
    ("THUE", "Thuế", "central"),
    ("BHXH", "Bảo hiểm xã hội", "central"),
]


@dataclass(frozen=True)
class ProcedureSpec:
    name: str
    field: str
    days: int            # statutory working days; 0 = the same day
    fee: bool
    handler: str         # 'commune', 'district' (a commune's from 01/07/2025) or a department key
    share: float         # share of its handler level's volume (departments: of all departments')
    online: float        # relative propensity to be filed online
    late: float          # relative propensity to be late


PROCEDURES = [
    ProcedureSpec("Đăng ký khai sinh", "HT", 0, False, "commune", 0.16, 1.0, 0.5),
    ProcedureSpec("Đăng ký kết hôn", "HT", 3, False, "commune", 0.04, 0.5, 0.8),
    ProcedureSpec("Đăng ký khai tử", "HT", 0, False, "commune", 0.04, 0.6, 0.5),
    ProcedureSpec("Cấp bản sao trích lục hộ tịch", "HT", 0, True, "commune", 0.10, 1.2, 0.5),
    ProcedureSpec("Cấp Giấy xác nhận tình trạng hôn nhân", "HT", 3, True, "commune", 0.08, 1.1, 0.8),
    ProcedureSpec("Chứng thực bản sao từ bản chính giấy tờ, văn bản",
                  "CT", 0, True, "commune", 0.30, 0.35, 0.3),
    ProcedureSpec("Chứng thực chữ ký trong các giấy tờ, văn bản", "CT", 0, True, "commune", 0.08, 0.3, 0.3),
    ProcedureSpec("Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
                  "CT", 2, True, "commune", 0.05, 0.3, 0.8),
    ProcedureSpec("Trợ giúp xã hội thường xuyên tại cộng đồng", "BTXH", 7, False, "commune", 0.05, 0.6, 1.2),
    ProcedureSpec("Giải quyết chế độ mai táng phí", "NCC", 5, False, "commune", 0.03, 0.5, 1.0),
    ProcedureSpec("Hòa giải tranh chấp đất đai", "DD", 45, False, "commune", 0.03, 0.2, 2.5),
    ProcedureSpec("Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
                  "DD", 10, True, "district", 0.30, 0.35, 3.0),
    ProcedureSpec("Cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
                  "DD", 20, True, "district", 0.12, 0.25, 4.0),
    ProcedureSpec("Chuyển mục đích sử dụng đất", "DD", 15, True, "district", 0.06, 0.25, 3.0),
    ProcedureSpec("Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", 15, True, "district", 0.10, 0.6, 2.0),
    ProcedureSpec("Đăng ký thành lập hộ kinh doanh", "DKKD", 3, True, "district", 0.12, 1.3, 0.8),
    ProcedureSpec("Chứng thực bản sao giấy tờ song ngữ", "CT", 0, True, "district", 0.12, 0.4, 0.4),
    ProcedureSpec("Đăng ký khai sinh có yếu tố nước ngoài", "HT", 5, True, "district", 0.02, 0.8, 1.0),
    ProcedureSpec("Chuyển trường đối với học sinh trung học cơ sở",
                  "GD", 3, False, "district", 0.06, 0.9, 0.6),
    ProcedureSpec("Hỗ trợ làm nhà ở cho hộ nghèo", "BTXH", 10, False, "district", 0.05, 0.4, 1.5),
    ProcedureSpec("Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "LLTP", 10, True, "STP", 0.16, 1.5, 1.0),
    ProcedureSpec("Đăng ký thành lập doanh nghiệp", "DKKD", 3, True, "STC", 0.10, 1.9, 0.6),
    ProcedureSpec("Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "DKKD", 3, True, "STC", 0.10, 1.9, 0.6),
    ProcedureSpec("Cấp đổi giấy phép lái xe", "DB", 5, True, "SXD", 0.15, 1.1, 0.8),
    ProcedureSpec("Cấp giấy phép xây dựng công trình", "XD", 20, True, "SXD", 0.02, 0.7, 2.0),
    ProcedureSpec("Cấp giấy phép môi trường", "MT", 30, True, "SNNMT", 0.01, 0.7, 2.0),
    ProcedureSpec("Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
                  "TM", 15, True, "SNNMT", 0.02, 0.8, 1.2),
    ProcedureSpec("Cung cấp thông tin, dữ liệu đất đai", "DD", 3, True, "VPDKDD", 0.08, 0.9, 1.5),
    ProcedureSpec("Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
                  "DD", 3, True, "VPDKDD", 0.10, 0.6, 2.5),
    ProcedureSpec("Cấp Giấy phép bán lẻ sản phẩm rượu", "TM", 10, True, "SCT", 0.02, 1.2, 1.0),
    ProcedureSpec("Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu",
                  "TM", 15, True, "SCT", 0.01, 1.0, 1.0),
    ProcedureSpec("Chỉnh sửa nội dung văn bằng, chứng chỉ", "GD", 5, False, "SGDDT", 0.03, 1.0, 0.8),
    ProcedureSpec("Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "YT", 20, True, "SYT", 0.03, 0.9, 1.5),
    ProcedureSpec("Cấp giấy phép hoạt động cơ sở bán lẻ thuốc", "YT", 20, True, "SYT", 0.02, 0.9, 1.5),
    ProcedureSpec("Cấp giấy phép lao động cho người lao động nước ngoài",
                  "LD", 5, True, "SNV", 0.03, 1.5, 0.8),
    ProcedureSpec("Giải quyết hưởng trợ cấp thất nghiệp", "LD", 20, False, "SNV", 0.05, 0.8, 0.8),
    ProcedureSpec("Cấp giấy phép tổ chức biểu diễn nghệ thuật", "VH", 5, False, "SVHTTDL", 0.01, 1.2, 0.6),
    ProcedureSpec("Công nhận hạng cơ sở lưu trú du lịch", "VH", 15, True, "SVHTTDL", 0.01, 0.8, 1.0),
    ProcedureSpec("Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
                  "KH", 15, True, "SKHCN", 0.005, 1.5, 0.6),
    ProcedureSpec("Đăng ký sinh hoạt tôn giáo tập trung", "TG", 20, False, "SDTTG", 0.004, 0.5, 1.0),
    ProcedureSpec("Cấp Giấy chứng nhận đăng ký đầu tư", "DT", 15, True, "BQLKKT", 0.01, 1.4, 1.2),
    ProcedureSpec("Cho phép tổ chức hội nghị, hội thảo quốc tế", "NV", 10, False, "SNGV", 0.004, 1.2, 0.6),
    ProcedureSpec("Đăng ký thường trú", "CTRU", 7, True, "CA", 0.35, 1.6, 0.4),
    ProcedureSpec("Đăng ký xe", "DKX", 2, True, "CA", 0.25, 0.8, 0.4),
    ProcedureSpec("Đăng ký thuế lần đầu", "THUE", 3, False, "THUE", 0.15, 1.9, 0.3),
    ProcedureSpec("Cấp lại, đổi thẻ bảo hiểm y tế", "BHXH", 3, False, "BHXH", 0.20, 1.6, 0.3),
    ProcedureSpec("Giải quyết hưởng chế độ ốm đau", "BHXH", 10, False, "BHXH", 0.05, 1.2, 0.5),
]


def procedure_code(index: int) -> str:
    return f"1.{index + 1:06d}"


def fields() -> pl.DataFrame:
    return pl.DataFrame({"field_code": list(FIELDS), "field_name": list(FIELDS.values())})


def procedures() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "procedure_code": [procedure_code(i) for i in range(len(PROCEDURES))],
            "procedure_name": [p.name for p in PROCEDURES],
            "field_code": [p.field for p in PROCEDURES],
            "statutory_days": [p.days for p in PROCEDURES],
            "has_fee": [p.fee for p in PROCEDURES],
            "verified": [True] * len(PROCEDURES),
        }
    )


def _ubnd(unit_name: str) -> str:
    """'Phường Hà Lầm' -> 'UBND phường Hà Lầm', as agencies are written."""
    return "UBND " + unit_name[0].lower() + unit_name[1:]


def agencies(province: str = DEMO_PROVINCE) -> pl.DataFrame:
    """Departments and central agencies, district UBNDs and commune UBNDs of both eras."""
    unit_frame = units.units().filter(pl.col("province_code") == province)
    province_name = unit_frame.filter(unit_level="province", hierarchy_version=units.OLD)["unit_name"][0]
    short = province_name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    rows = []
    for i, (key, name, level) in enumerate(DEPARTMENTS, start=1):
        rows.append(dict(
            agency_code=f"000.00.{i:02d}.{DEMO_PROVINCE_ID}", agency_name=f"{name} tỉnh {short}",
            agency_level=level, unit_version=units.NEW, unit_code=province,
            valid_from=None, valid_to=None, demo_key=key,
        ))
    districts = unit_frame.filter(unit_level="district").sort("unit_code")
    old_communes = unit_frame.filter(unit_level="commune", hierarchy_version=units.OLD).sort("unit_code")
    for d, district in enumerate(districts.iter_rows(named=True)):
        district_segment = f"{31 + d:02d}"
        rows.append(dict(
            agency_code=f"000.00.{district_segment}.{DEMO_PROVINCE_ID}",
            agency_name=_ubnd(district["unit_name"]), agency_level="district",
            unit_version=units.OLD, unit_code=district["unit_code"],
            valid_from=None, valid_to="2025-06-30", demo_key="district",
        ))
        communes = old_communes.filter(parent_code=district["unit_code"])
        for c, commune in enumerate(communes.iter_rows(named=True), start=1):
            rows.append(dict(
                agency_code=f"{c:03d}.{district_segment}.00.{DEMO_PROVINCE_ID}",
                agency_name=_ubnd(commune["unit_name"]), agency_level="commune",
                unit_version=units.OLD, unit_code=commune["unit_code"],
                valid_from=None, valid_to="2025-06-30", demo_key="commune",
            ))
    new_communes = unit_frame.filter(unit_level="commune", hierarchy_version=units.NEW).sort("unit_code")
    for c, commune in enumerate(new_communes.iter_rows(named=True), start=1):
        rows.append(dict(
            agency_code=f"{c:03d}.99.00.{DEMO_PROVINCE_ID}",
            agency_name=_ubnd(commune["unit_name"]), agency_level="commune",
            unit_version=units.NEW, unit_code=commune["unit_code"],
            valid_from=REORG_DATE, valid_to=None, demo_key="commune",
        ))
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("unit_version").cast(pl.Int8),
        pl.col("valid_from").str.to_date(),
        pl.col("valid_to").str.to_date(),
        pl.lit(True).alias("verified"),
    )


# Plan targets as the annual administrative-reform plans and directives set them (e.g. Chỉ thị
# 03/CT-UBND of 14/06/2023: on time >= 96%, online 30%, online payment 5%, digitised 15%, citizen
# satisfaction 93%, PAKN resolved 96%). "district level" in a directive is read as the upper tier
# (departments, central agencies, districts and the province as a whole).
_TARGETS = [
    # kpi, comparator, value, levels
    ("on_time_rate", ">=", 0.96, ["province", "department", "central", "district", "commune"]),
    ("online_share", ">=", 0.30, ["province", "department", "central", "district"]),
    ("online_share", ">=", 0.20, ["commune"]),
    ("online_payment_share", ">=", 0.05, ["province", "department", "central", "district", "commune"]),
    ("digitised_share", ">=", 0.15, ["province", "department", "central", "district", "commune"]),
    ("electronic_result_share", ">=", 0.30, ["province", "department", "central", "district"]),
    ("electronic_result_share", ">=", 0.20, ["commune"]),
    ("apology_rate", ">=", 1.0, ["province", "department", "central", "district", "commune"]),
    ("satisfaction_rate", ">=", 0.93, ["province", "department", "central", "district", "commune"]),
    ("pakn_resolved_rate", ">=", 0.96, ["province", "department", "central", "district", "commune"]),
]


def plan_targets(years: list[int]) -> pl.DataFrame:
    rows = [
        dict(year=year, agency_level=level, agency_code=None, kpi=kpi, comparator=cmp,
             target_value=value, source="demo: chỉ tiêu kế hoạch CCHC năm")
        for year in years
        for kpi, cmp, value, levels in _TARGETS
        for level in levels
    ]
    return pl.DataFrame(rows, schema_overrides={"agency_code": pl.String})
