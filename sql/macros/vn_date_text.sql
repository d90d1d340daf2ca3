-- Vietnamese text for the integrity checks' explanations: 23/11/2026, 96,5
create or replace macro vn_date_text(d) as coalesce(strftime(cast(d as date), '%d/%m/%Y'), '—');
