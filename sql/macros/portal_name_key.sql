-- An agency's name reduced for matching the portal's names to ours: NFC, lower case, the portal's
-- " - tỉnh X" suffix and the leading "UBND" / "Ủy ban nhân dân" dropped, spaces collapsed. Both sides
-- go through it ('Sở Tư pháp - tỉnh Quảng Ninh' and 'Sở Tư pháp' give 'sở tư pháp').
create or replace macro portal_name_key(name) as
    trim(regexp_replace(
        regexp_replace(
            regexp_replace(lower(nfc_normalize(trim(name))),
                           '\s+-\s+(tỉnh|thành phố|tp\.?)\s+.*$', ''),
            '^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+', ''),
        '\s+', ' ', 'g'));
