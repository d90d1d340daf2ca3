-- The fairness rule of the rankings, as data: which agencies are ranked and on what. The most
-- specific row wins: kpi and peer_group both given, then kpi only, then peer_group only, then the
-- default row (both null). Edit the rows and rebuild (`python -m etl build`) to change the rule.
create table if not exists ref_ranking_rule (
    kpi         varchar,                 -- a registry KPI key or 'score_766'; null = every KPI
    peer_group  varchar,                 -- dim_peer_group.peer_group; null = every peer group
    min_volume  integer not null,        -- below this KPI denominator an agency is listed, not ranked
    method      varchar not null check (method in ('wilson', 'raw')),
    z           double not null default 1.959964,  -- 1.645 = 90%, 1.959964 = 95%, 2.576 = 99% (two-sided)
    note        varchar
);

-- the default when the table is empty: at least 30 dossiers, ranked on the 95% Wilson bound
insert into ref_ranking_rule
select null, null, 30, 'wilson', 1.959964,
       'Mặc định: từ 30 hồ sơ; xếp theo cận dưới khoảng tin cậy Wilson 95%'
where not exists (select 1 from ref_ranking_rule);
