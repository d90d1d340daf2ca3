-- how much of what some checks need was loaded (queries_integrity.inputs_loaded): counted once here,
-- as counting the dossiers with a history reads every history row
create or replace table agg_integrity_inputs as
with final as (
    select (select count(*) from raw_dossier_step) as steps,
           (select count(distinct dossier_id) from raw_dossier_history) as history_dossiers,
           (select count(*) from quarantine) as quarantined
)

select * from final
