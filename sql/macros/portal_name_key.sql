-- An agency's name reduced for matching the portal's names to ours (docs/published_766.md), applied to
-- both sides: 'Sở Tư pháp - tỉnh An Giang', 'Sở Tư pháp tỉnh Quảng Ninh' and 'Sở Tư pháp' all give
-- 'sở tư pháp'. In order: NFC and lower case; the old tone placement at a syllable's end written the
-- new way ('hoá' = 'hóa', 'uỷ' = 'ủy'); the common abbreviations of Sở/Ban names spelled out (the list
-- below, and '&' = 'và'); a leading 'UBND' / 'Ủy ban nhân dân' dropped; the portal's ' - tỉnh X' suffix
-- and a trailing 'tỉnh X' / 'thành phố X' dropped (never a leading one: 'UBND tỉnh Quảng Ninh' keeps
-- 'tỉnh quảng ninh', the province's own key); commas, dashes and dots as spaces, spaces collapsed.
create or replace macro portal_name_key(name) as
    trim(regexp_replace(regexp_replace(
        -- the province suffix, with or without the portal's dash
        regexp_replace(
            -- trimmed first: a name that starts with 'tỉnh' (the province's own) keeps it
            ltrim(regexp_replace(
                -- abbreviations of Sở/Ban names
                regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                regexp_replace(regexp_replace(regexp_replace(
                    -- tone placement: 'hoá' -> 'hóa', 'thuỷ' -> 'thủy', at a syllable's end only
                    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                        ' ' || regexp_replace(lower(nfc_normalize(trim(name))), '\s+', ' ', 'g') || ' ',
                    'oà([\s,.-])', 'òa\1', 'g'), 'oá([\s,.-])', 'óa\1', 'g'), 'oả([\s,.-])', 'ỏa\1', 'g'),
                    'oã([\s,.-])', 'õa\1', 'g'), 'oạ([\s,.-])', 'ọa\1', 'g'), 'uỳ([\s,.-])', 'ùy\1', 'g'),
                    'uý([\s,.-])', 'úy\1', 'g'), 'uỷ([\s,.-])', 'ủy\1', 'g'), 'uỹ([\s,.-])', 'ũy\1', 'g'),
                    'uỵ([\s,.-])', 'ụy\1', 'g'),
                ' bql ', ' ban quản lý ', 'g'),
                ' kkt ', ' khu kinh tế ', 'g'),
                ' sở tn ?(& ?)?mt ', ' sở tài nguyên và môi trường ', 'g'),
                ' sở kh ?(& ?)?đt ', ' sở kế hoạch và đầu tư ', 'g'),
                ' sở kh ?(& ?)?cn ', ' sở khoa học và công nghệ ', 'g'),
                ' sở gd ?(& ?)?đt ', ' sở giáo dục và đào tạo ', 'g'),
                ' sở nn ?(& ?)?ptnt ', ' sở nông nghiệp và phát triển nông thôn ', 'g'),
                ' sở nn ?(& ?)?mt ', ' sở nông nghiệp và môi trường ', 'g'),
                ' sở gtvt ', ' sở giao thông vận tải ', 'g'),
                ' sở tt ?(& ?)?tt ', ' sở thông tin và truyền thông ', 'g'),
                ' sở lđ ?,? ?tb ?(& ?)?xh ', ' sở lao động thương binh và xã hội ', 'g'),
                ' sở vh ?,? ?tt ?(& ?)?dl ', ' sở văn hóa thể thao và du lịch ', 'g'),
                ' sở vh ?(& ?)?tt ', ' sở văn hóa và thể thao ', 'g'),
                '^ (ubnd|ủy ban nhân dân) ', ' ')),
            '(\s-\s*|\s)(tỉnh|thành phố|tp\.?)\s+[^-]+$', ' '),
        '&', ' và ', 'g'),
    '[\s,.–-]+', ' ', 'g'));
