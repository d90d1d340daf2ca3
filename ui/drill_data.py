"""The figures of a node of the drill-down page "Theo địa bàn" (docs/drill.md) for a period: its own
row and its children's rows, read through the data-access layer (ui/data.py) from queries_units and
queries_drill. The page lays them out; which query serves which kind of node is decided here.

A node is ui/drill_parts.Node: its kind (province, district, commune, agency, field, procedure), its
unit (hierarchy version, level, code), agency, field and procedure codes. A field or procedure code of
NO_CODE means "dossiers without one" (a null code in the data).
"""

from __future__ import annotations

import polars as pl

from ui import data
from warehouse.queries_drill import NO_CODE

units = data.getter("queries_units")
drill = data.getter("queries_drill")


def field_rows(node, kind: str, key: str) -> pl.DataFrame:
    """The fields of an agency's (or a unit's) dossiers in the period."""
    return units("field_report", kind, key, node.agency, None if node.agency else node.unit)


def procedure_rows(node, kind: str, key: str) -> pl.DataFrame:
    """The procedures of a field (or of dossiers without a field) of the node's agency or unit."""
    field = None if node.field == NO_CODE else node.field
    rows = units("procedure_report", kind, key, node.agency, None if node.agency else node.unit, field)
    return rows.filter(pl.col("field_code").is_null()) if node.field == NO_CODE else rows


def match(column: str, code: str | None) -> pl.Expr:
    """The rows of one code; NO_CODE (or None) the rows without one."""
    return pl.col(column).is_null() if code in (None, NO_CODE) else pl.col(column) == code


def node_row(node, kind: str, key: str) -> dict | None:
    """The node's counts and KPIs for the period (None when it has no row)."""
    if node.kind in ("province", "district", "commune"):
        version, level, code = node.unit
        rows = units("unit_report", kind, key, level, version).filter(match("unit_code", code))
    elif node.kind == "agency":
        rows = drill("agency_node", kind, key, node.agency)
    elif node.kind == "field":
        rows = field_rows(node, kind, key).filter(match("field_code", node.field))
    else:
        rows = procedure_rows(node, kind, key).filter(match("procedure_code", node.procedure))
    return rows.row(0, named=True) if rows.height else None


def raw_children(node, kind: str, key: str) -> pl.DataFrame:
    """The rows one level down: a unit's units, a commune's or an agency's fields, a field's
    procedures (a procedure has none here: its dossiers are listed instead)."""
    if node.kind in ("province", "district"):
        version, level, code = node.unit
        return units("unit_children", kind, key, version, level, code)
    if node.kind in ("commune", "agency"):
        return field_rows(node, kind, key)
    if node.kind == "field":
        return procedure_rows(node, kind, key)
    return pl.DataFrame()


def received(row: dict) -> int:
    """Dossiers to handle in the period: carried over and newly received."""
    return (row["carried_over"] or 0) + (row["received_new"] or 0)
