"""Official administrative units of Vietnam, both hierarchies, from the `vietnamadminunits` package.

The package (MIT licence) ships the GSO lists as a SQLite file and the 2025 old-to-new commune
mapping as JSON keyed by name slugs. We read its data files directly (no geocoding code runs)
and turn them into three frames keyed by (hierarchy_version, unit_code):

- hierarchy_version 1: the three-tier system in force until 30/06/2025 (63 provinces);
- hierarchy_version 2: the two-tier system from 01/07/2025 (34 provinces, no districts).
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from functools import lru_cache
from importlib import resources

import polars as pl

OLD, NEW = 1, 2
OLD_VALID_TO = "2025-06-30"
NEW_VALID_FROM = "2025-07-01"


def _data_path(name: str):
    return resources.files("vietnamadminunits") / "data" / name


def nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


def _read_sqlite(sql: str) -> pl.DataFrame:
    with sqlite3.connect(f"file:{_data_path('dataset.db')}?mode=ro", uri=True) as con:
        cur = con.execute(sql)
        cols = [c[0] for c in cur.description]
        rows = cur.fetchall()
    return pl.DataFrame(rows, schema=cols, orient="row", infer_schema_length=None)


def _nfc_cols(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.col(c).map_elements(nfc, return_dtype=pl.String) for c, t in df.schema.items() if t == pl.String
    )


@lru_cache(maxsize=1)
def units() -> pl.DataFrame:
    """Every unit of both hierarchies: provinces, districts (old only) and communes."""
    legacy = _read_sqlite(
        """select province, provinceCode, provinceLat, provinceLon,
                  district, districtType, districtCode, districtLat, districtLon,
                  ward, wardType, wardCode, wardLat, wardLon
           from admin_units_legacy"""
    )
    current = _read_sqlite(
        """select province, provinceCode, provinceLat, provinceLon,
                  ward, wardType, wardCode, wardLat, wardLon
           from admin_units"""
    )

    def province_rows(df: pl.DataFrame, version: int) -> pl.DataFrame:
        return df.group_by("provinceCode").agg(
            pl.first("province"), pl.first("provinceLat"), pl.first("provinceLon")
        ).select(
            pl.lit(version).alias("hierarchy_version"),
            pl.col("provinceCode").alias("unit_code"),
            pl.col("province").alias("unit_name"),
            pl.col("province").str.extract(r"^(Thành phố|Tỉnh)").alias("unit_type"),
            pl.lit("province").alias("unit_level"),
            pl.lit(None, pl.String).alias("parent_code"),
            pl.col("provinceCode").alias("province_code"),
            pl.col("provinceLat").alias("lat"),
            pl.col("provinceLon").alias("lon"),
        )

    districts = legacy.group_by("districtCode").agg(
        pl.first("district"), pl.first("districtType"), pl.first("provinceCode"),
        pl.first("districtLat"), pl.first("districtLon"),
    ).select(
        pl.lit(OLD).alias("hierarchy_version"),
        pl.col("districtCode").alias("unit_code"),
        pl.col("district").alias("unit_name"),
        pl.col("districtType").alias("unit_type"),
        pl.lit("district").alias("unit_level"),
        pl.col("provinceCode").alias("parent_code"),
        pl.col("provinceCode").alias("province_code"),
        pl.col("districtLat").alias("lat"),
        pl.col("districtLon").alias("lon"),
    )
    old_communes = legacy.filter(pl.col("wardCode").fill_null("") != "").unique("wardCode").select(
        pl.lit(OLD).alias("hierarchy_version"),
        pl.col("wardCode").alias("unit_code"),
        pl.col("ward").alias("unit_name"),
        pl.col("wardType").alias("unit_type"),
        pl.lit("commune").alias("unit_level"),
        pl.col("districtCode").alias("parent_code"),
        pl.col("provinceCode").alias("province_code"),
        pl.col("wardLat").alias("lat"),
        pl.col("wardLon").alias("lon"),
    )
    new_communes = current.unique("wardCode").select(
        pl.lit(NEW).alias("hierarchy_version"),
        pl.col("wardCode").alias("unit_code"),
        pl.col("ward").alias("unit_name"),
        pl.col("wardType").alias("unit_type"),
        pl.lit("commune").alias("unit_level"),
        pl.col("provinceCode").alias("parent_code"),
        pl.col("provinceCode").alias("province_code"),
        pl.col("wardLat").alias("lat"),
        pl.col("wardLon").alias("lon"),
    )
    frames = [province_rows(legacy, OLD), districts, old_communes, province_rows(current, NEW), new_communes]
    out = pl.concat([f.with_columns(pl.col("hierarchy_version").cast(pl.Int8)) for f in frames])
    return _nfc_cols(out).sort("hierarchy_version", "unit_code")


@lru_cache(maxsize=1)
def crosswalk() -> pl.DataFrame:
    """Old commune (version 1) to new commune (version 2).

    A commune that was merged whole has one row. A commune split between several new ones has a
    row per new commune, `is_split` true, and `is_default` on the one the package designates as
    the main successor (used when one successor must be chosen).
    """
    legacy = _read_sqlite(
        "select provinceKey, districtKey, wardKey, wardCode from admin_units_legacy where wardCode <> ''"
    ).with_columns(
        (pl.col("provinceKey") + "_" + pl.col("districtKey") + "_" + pl.col("wardKey")).alias("old_key")
    ).select("old_key", pl.col("wardCode").alias("old_commune_code"))
    current = _read_sqlite("select provinceKey, wardKey, wardCode from admin_units").select(
        pl.col("provinceKey").alias("new_province_key"), pl.col("wardKey").alias("new_ward_key"),
        pl.col("wardCode").alias("new_commune_code"),
    )
    mapping = json.loads(_data_path("converter_2025.json").read_text(encoding="utf-8"))
    whole = [
        (old_key, prov, new_key, False, True)
        for prov, wards in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items()
        for new_key, old_keys in wards.items()
        for old_key in old_keys
    ]
    split = [
        (old_key, prov, part["newWardKey"], True, bool(part["isDefaultNewWard"]))
        for prov, olds in mapping["DICT_PROVINCE_WARD_DIVIDED"].items()
        for old_key, parts in olds.items()
        for part in parts
    ]
    rows = pl.DataFrame(
        whole + split,
        schema=["old_key", "new_province_key", "new_ward_key", "is_split", "is_default"],
        orient="row",
    )
    out = (
        rows.join(legacy, on="old_key", how="inner")
        .join(current, on=["new_province_key", "new_ward_key"], how="inner")
        .select("old_commune_code", "new_commune_code", "is_split", "is_default")
        .unique(["old_commune_code", "new_commune_code"])
        .sort("old_commune_code", "new_commune_code")
    )
    return out
