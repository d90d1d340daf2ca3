-- why an agency is listed but not ranked (null: ranked). unscored / peer_min_unscored: the 766 total's
-- points left unscored for lack of input (docs/inputs.md), the agency's and the least in its peer group
-- (null for other KPIs): a total is compared only with totals scored on the same inputs, so an agency
-- missing an input its peers have is not ranked on it rather than ranked as if it had scored 0.
-- is_active: the agency had not ceased before the period began (agency_active with no start); one that had
-- ceased (a district abolished on 30/06/2025 still finishing its last dossiers) is listed, never ranked, so
-- no view of a later period names it among the best or the weakest
create or replace macro ranking_exclusion(peer_group, is_active, dossiers, value, volume, min_volume,
                                          unscored, peer_min_unscored) as
    case
        when peer_group = 'unverified' then 'unverified'              -- not in the agency list yet
        when not is_active then 'not_active'
        when value is null and coalesce(dossiers, 0) = 0 then 'no_dossiers'
        when value is null then 'no_volume'                            -- dossiers, but none behind this KPI
        when unscored > peer_min_unscored + 1e-9 then 'missing_input'
        when volume < min_volume then 'below_min_volume'
    end;
