create or replace macro vn_decimal_text(x, digits) as
    coalesce(replace(printf('%.' || digits || 'f', x), '.', ','), '—');
