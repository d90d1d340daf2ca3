"""Official units: both hierarchies, zero-padded GSO codes, NFC names, the 2025 crosswalk."""

import unicodedata

import polars as pl

from warehouse import units


def test_both_hierarchies_have_the_official_counts():
    u = units.units()
    counts = {(v, lvl): n for v, lvl, n in u.group_by("hierarchy_version", "unit_level").len().rows()}
    assert counts[(1, "province")] == 63
    assert counts[(2, "province")] == 34
    assert counts[(2, "commune")] == 3321
    assert 690 <= counts[(1, "district")] <= 700
    assert 10_000 <= counts[(1, "commune")] <= 10_100
    assert (2, "district") not in counts


def test_codes_are_zero_padded_and_unique_per_version():
    u = units.units()
    widths = {"province": 2, "district": 3, "commune": 5}
    for level, width in widths.items():
        codes = u.filter(pl.col("unit_level") == level)["unit_code"]
        assert (codes.str.len_chars() == width).all(), level
    assert u.select("hierarchy_version", "unit_code").is_unique().all()


def test_names_are_nfc():
    names = units.units()["unit_name"].to_list()
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_every_old_commune_maps_to_a_new_one():
    u = units.units()
    cw = units.crosswalk()
    old = u.filter((pl.col("hierarchy_version") == 1) & (pl.col("unit_level") == "commune"))
    new = u.filter((pl.col("hierarchy_version") == 2) & (pl.col("unit_level") == "commune"))
    new_codes = set(new["unit_code"])
    unmapped = old.join(cw, left_on="unit_code", right_on="old_commune_code", how="anti")
    assert unmapped.height / old.height < 0.01
    assert set(cw["new_commune_code"]) <= new_codes
    # a split commune has exactly one default successor
    split = cw.filter(pl.col("is_split")).group_by("old_commune_code").agg(pl.col("is_default").sum())
    assert split.height > 100
    assert (split["is_default"] == 1).all()
