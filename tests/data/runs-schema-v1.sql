-- A run store as DREDGE Studio's first store schema (version 1) wrote it:
-- frozen here, apart from the code's migrations, so that a change to step
-- 0 → 1 or a broken 1 → 2 shows. One SQLite statement per line.
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs ( id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms BIGINT NOT NULL, started_ms BIGINT, ended_ms BIGINT, status TEXT NOT NULL, config TEXT NOT NULL, data_kind TEXT NOT NULL, model_kind TEXT NOT NULL, learning_rate DOUBLE PRECISION NOT NULL, seed BIGINT NOT NULL, amp INTEGER NOT NULL, clip_max_norm DOUBLE PRECISION, kernel TEXT NOT NULL, threads INTEGER NOT NULL, epochs BIGINT NOT NULL, data_fingerprint TEXT, app_version TEXT, torch_version TEXT, host TEXT, device TEXT, pid BIGINT, heartbeat_ms BIGINT, parameters BIGINT, points BIGINT, zero_mse DOUBLE PRECISION, epochs_done BIGINT NOT NULL DEFAULT 0, final_loss DOUBLE PRECISION, best_loss DOUBLE PRECISION, ms_per_epoch DOUBLE PRECISION, psnr_db DOUBLE PRECISION, error TEXT);
CREATE INDEX runs_by_created ON runs (created_ms);
CREATE INDEX runs_by_status ON runs (status);
CREATE TABLE loss_chunks ( run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, first_epoch BIGINT NOT NULL, losses BLOB NOT NULL, PRIMARY KEY (run_id, first_epoch));
INSERT INTO store_meta (key, value) VALUES ('schema_version', '1');
INSERT INTO runs VALUES ('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', 'siren from version 1', 1767225600000, 1767225601000, 1767225602000, 'finished', '{"data":{"kind":"chirp"},"model":{"kind":"siren","hidden":32},"train":{"epochs":3,"lr":0.01,"seed":7}}', 'chirp', 'siren', 0.01, 7, 0, NULL, 'fused', 1, 3, 'ab12', '0.1.0', '1.13.1', 'oldhost', 'cpu', 4242, 1767225602000, 1153, 1000, 0.3, 3, 0.125, 0.125, 0.05, 21.5, '');
INSERT INTO loss_chunks VALUES ('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', 0, X'000000000000E03F000000000000D03F');
INSERT INTO loss_chunks VALUES ('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', 2, X'000000000000C03F');
