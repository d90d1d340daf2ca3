"""Where the URL of the drill-down page "Theo địa bàn" points (docs/drill.md): the path of nodes from
the province down, and the navigation between them (ui/drill_parts.py: a node's children and charts).

A node is the province, an old district, a commune (old or new), an agency, a field or a procedure.
Every node is opened by the drill keys of the URL (DRILL_KEYS), so every view is a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import streamlit as st

# the URL keys of the drill-down (ky, ma_ky, the period, are the period picker's)
DRILL_KEYS = ("pb", "cap", "ma", "don_vi", "linh_vuc", "thu_tuc")
VERSIONS = {"1": 1, "2": 2}
ERA = {1: "đến 30/06/2025", 2: "từ 01/07/2025"}
LEVEL_WORDS = {"district": "huyện", "commune": "xã"}
# agency levels with plan targets of their own (ref_plan_target.agency_level)
TARGET_LEVELS = ("province", "department", "central", "district", "commune")
CRUMB_CHARS = 48


@dataclass(frozen=True)
class Node:
    kind: str                      # province, district, commune, agency, field, procedure
    label: str                     # breadcrumb text
    title: str                     # heading: with the parent or the era where names repeat
    params: dict = dataclass_field(default_factory=dict)   # drill URL keys that open it
    level: str = "province"        # whose plan targets apply (ref_plan_target.agency_level)
    unit: tuple | None = None      # (hierarchy version, level, code) of a province, district, commune
    agency: str | None = None
    field: str | None = None
    procedure: str | None = None


@dataclass(frozen=True)
class Lookups:
    """What the URL's codes name: cached warehouse look-ups the page passes in."""
    unit: Callable[[int, str, str], dict | None]
    agency: Callable[[str], dict | None]
    field: Callable[[str], str | None]
    procedure: Callable[[str], str | None]


def short(text: str, limit: int = CRUMB_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


AREA = "Địa bàn "


def area_label(name: str) -> str:
    """A district or commune as an area, all agencies on it: 'Thành phố Cẩm Phả' -> 'Địa bàn thành phố
    Cẩm Phả', never to be read as its committee, the agency 'UBND thành phố Cẩm Phả'."""
    return AREA + name[:1].lower() + name[1:]


def _unit_node(info: dict) -> Node:
    version, level, code = info["hierarchy_version"], info["unit_level"], info["unit_code"]
    name = info["unit_name"] or code
    if level == "commune" and version == 1 and info.get("parent_name"):
        title = f"{area_label(name)}, {info['parent_name']} ({ERA[1]})"
    else:
        title = f"{area_label(name)} ({ERA[version]})"
    return Node(level, name, title, {"pb": str(version), "cap": level, "ma": code}, level,
                unit=(version, level, code))


def resolve(url: dict, province: dict | None, look: Lookups) -> tuple[list[Node], str | None]:
    """The path of nodes the URL's drill keys name, from the province down, and a message in words
    when a key names nothing (the path then ends at the last node that exists)."""
    province = province or {}
    name = province.get("unit_name")
    root = Node("province", "Toàn tỉnh", name or "Toàn tỉnh", {}, "province",
                unit=(province.get("hierarchy_version"), "province", province.get("unit_code")))
    path = [root]
    agency_code, code = url.get("don_vi"), url.get("ma")
    if agency_code:
        info = look.agency(agency_code)
        if info is None:
            return path, f"Không tìm thấy cơ quan, đơn vị có mã “{agency_code}” trong kho dữ liệu."
        # the agency sits under the units it counts towards: its old district, its commune
        if info["district_code"]:
            district = look.unit(1, "district", info["district_code"])
            if district:
                path.append(_unit_node(district))
        if info["commune_code"]:
            commune = look.unit(info["commune_version"], "commune", info["commune_code"])
            if commune:
                path.append(_unit_node(commune))
        level = info["agency_level"] if info["agency_level"] in TARGET_LEVELS else "province"
        path.append(Node("agency", info["agency_name"] or agency_code, info["agency_name"] or agency_code,
                         path[-1].params | {"don_vi": agency_code}, level, agency=agency_code))
    elif code or url.get("pb") or url.get("cap"):
        version, level = VERSIONS.get(url.get("pb") or ""), url.get("cap")
        if version is None or level not in LEVEL_WORDS or not code:
            return path, ("Đường dẫn không chỉ rõ địa bàn: cần đủ phiên bản danh mục (pb = 1 đến 30/06/2025, "
                          "2 từ 01/07/2025), cấp (cap = district hoặc commune) và mã (ma).")
        if level == "district" and version == 2:
            return path, "Từ 01/07/2025 không còn cấp huyện, nên không có huyện nào theo danh mục mới (pb=2)."
        info = look.unit(version, level, code)
        if info is None:
            return path, (f"Không tìm thấy {LEVEL_WORDS[level]} có mã “{code}” ({ERA[version]}) "
                          "trong tỉnh của kho dữ liệu.")
        if level == "commune" and version == 1 and info["parent_code"]:
            district = look.unit(1, "district", info["parent_code"])
            if district:
                path.append(_unit_node(district))
        path.append(_unit_node(info))
    # fields and procedures are looked at inside one commune or one agency
    field_code = url.get("linh_vuc")
    here = path[-1]
    if field_code and here.kind in ("commune", "agency"):
        field_name = look.field(field_code)
        if field_name is None:
            return path, f"Không tìm thấy lĩnh vực có mã “{field_code}”."
        path.append(Node("field", short(f"Lĩnh vực {field_name}"), f"Lĩnh vực {field_name} — {here.title}",
                         here.params | {"linh_vuc": field_code}, here.level, here.unit, here.agency,
                         field=field_code))
        procedure_code = url.get("thu_tuc")
        if procedure_code:
            procedure_name = look.procedure(procedure_code)
            if procedure_name is None:
                return path, f"Không tìm thấy thủ tục có mã “{procedure_code}”."
            owner, here = here, path[-1]
            path.append(Node("procedure", short(f"Thủ tục {procedure_name}"),
                             f"Thủ tục {procedure_name} — {owner.title}",
                             here.params | {"thu_tuc": procedure_code}, here.level, here.unit, here.agency,
                             field_code, procedure_code))
    return path, None


# ----------------------------------------------------------------------------- navigation

def navigate(params: dict) -> None:
    """Open a node: the drill keys of the URL become `params` (the period stays). Used as a widget
    callback, so the rerun that follows the click already draws the new node."""
    for key in DRILL_KEYS:
        if key not in params and key in st.query_params:
            del st.query_params[key]
    for key, value in params.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def node_key(node: Node) -> str:
    """A widget key part unique to a node: the charts of each node are new widgets, so a selection
    made one level up never drills again one level down."""
    return "_".join(f"{k}-{node.params[k]}" for k in DRILL_KEYS if k in node.params) or "root"


def breadcrumb(path: list[Node]) -> None:
    """Toàn tỉnh › Huyện X › Xã Y › …: every earlier node a button that goes back up."""
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="breadcrumb"):
        for i, node in enumerate(path[:-1]):
            st.button(node.label, key=f"crumb_{i}", type="tertiary", on_click=navigate, args=(node.params,),
                      help=f"Quay lại: {node.title}")
            st.markdown("›", width="content")
        st.markdown(f"**{path[-1].label}**", width="content")


def back_button(path: list[Node], label: str | None = None) -> None:
    target = path[-1]
    st.button(label or f"Quay lại {target.label}", key="back", icon=":material/arrow_upward:",
              on_click=navigate, args=(target.params,))
