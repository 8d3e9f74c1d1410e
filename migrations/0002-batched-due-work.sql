-- batched due work: records by deal, HOT claims (no lease_token indexes, fillfactor), queue autovacuum
CREATE INDEX IF NOT EXISTS records_deal ON {{schema}}.records (deal_id, seq);
DROP INDEX IF EXISTS {{schema}}.jobs_lease;
DROP INDEX IF EXISTS {{schema}}.outbox_lease;
ALTER TABLE {{schema}}.jobs SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE {{schema}}.outbox SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
