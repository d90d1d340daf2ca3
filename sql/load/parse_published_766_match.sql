-- Corrections to the matching of the portal's agencies to ours (docs/published_766.md): portal_code
-- or portal_name, agency_code (empty: "no counterpart here"), note. Input load_canonical, output
-- load_parsed.
create or replace temp table load_parsed as
with final as (
    select
        _row,
        portal_code,
        nfc_normalize(portal_name) as portal_name,
        agency_code,
        note,
        list_filter([
            case when portal_code is null and portal_name is null then
                {'field': 'portal_code', 'value': null, 'reason': 'cần mã (portal_code) hoặc tên cơ quan trên Cổng (portal_name)'} end
        ], lambda e: e is not null) as errors,
        coalesce(portal_code, portal_name) as record_key
    from load_canonical
)

select * from final
