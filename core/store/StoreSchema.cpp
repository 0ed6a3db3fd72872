#include "StoreSchema.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

namespace dredge {
namespace {

// Step i brings a database from version i to i + 1. Steps are never edited
// once released: a change is a new step.
const QStringList kSteps[] = {
    // 0 → 1: runs, with searchable columns for the common settings, and their
    // loss histories as chunks of little-endian doubles (every epoch, exact).
    {QStringLiteral("CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
     QStringLiteral("CREATE TABLE runs ("
                    " id TEXT PRIMARY KEY,"
                    " name TEXT NOT NULL,"
                    " created_ms BIGINT NOT NULL,"
                    " started_ms BIGINT,"
                    " ended_ms BIGINT,"
                    " status TEXT NOT NULL,"
                    " config TEXT NOT NULL,"
                    " data_kind TEXT NOT NULL,"
                    " model_kind TEXT NOT NULL,"
                    " learning_rate DOUBLE PRECISION NOT NULL,"
                    " seed BIGINT NOT NULL,"
                    " amp INTEGER NOT NULL,"
                    " clip_max_norm DOUBLE PRECISION,"
                    " kernel TEXT NOT NULL,"
                    " threads INTEGER NOT NULL,"
                    " epochs BIGINT NOT NULL,"
                    " data_fingerprint TEXT,"
                    " app_version TEXT,"
                    " torch_version TEXT,"
                    " host TEXT,"
                    " device TEXT,"
                    " pid BIGINT,"
                    " heartbeat_ms BIGINT,"
                    " parameters BIGINT,"
                    " points BIGINT,"
                    " zero_mse DOUBLE PRECISION,"
                    " epochs_done BIGINT NOT NULL DEFAULT 0,"
                    " final_loss DOUBLE PRECISION,"
                    " best_loss DOUBLE PRECISION,"
                    " ms_per_epoch DOUBLE PRECISION,"
                    " psnr_db DOUBLE PRECISION,"
                    " error TEXT)"),
     QStringLiteral("CREATE INDEX runs_by_created ON runs (created_ms)"),
     QStringLiteral("CREATE INDEX runs_by_status ON runs (status)"),
     QStringLiteral("CREATE TABLE loss_chunks ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " first_epoch BIGINT NOT NULL,"
                    " losses {blob} NOT NULL,"
                    " PRIMARY KEY (run_id, first_epoch))")},
    // 1 → 2: the user's fields, lineage, and predictions to replay a run.
    {QStringLiteral("ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT ''"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0"),
     // Deleting a parent keeps its forks.
     QStringLiteral("ALTER TABLE runs ADD COLUMN parent_id TEXT"
                    " REFERENCES runs (id) ON DELETE SET NULL"),
     QStringLiteral("CREATE TABLE run_tags ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " tag TEXT NOT NULL,"
                    " PRIMARY KEY (run_id, tag))"),
     QStringLiteral("CREATE TABLE snapshots ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " epoch BIGINT NOT NULL,"
                    " stride INTEGER NOT NULL,"
                    " prediction {blob} NOT NULL,"
                    " PRIMARY KEY (run_id, epoch))")},
    // 2 → 3: sweeps (their file, as run), and each run's sweep and task, so
    // that queued runs wait in the store and array tasks claim their own.
    {QStringLiteral("CREATE TABLE sweeps ("
                    " id TEXT PRIMARY KEY,"
                    " name TEXT NOT NULL,"
                    " created_ms BIGINT NOT NULL,"
                    " spec TEXT NOT NULL,"
                    " tasks INTEGER NOT NULL)"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN sweep_id TEXT"
                    " REFERENCES sweeps (id) ON DELETE SET NULL"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN sweep_task INTEGER"),
     QStringLiteral("CREATE INDEX runs_by_sweep ON runs (sweep_id, sweep_task)")},
    // 3 → 4: checkpoints (CheckpointBlob), to resume or fork a run from, and
    // the validation losses of runs with a held-out share, chunked as losses are.
    {QStringLiteral("CREATE TABLE checkpoints ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " epoch BIGINT NOT NULL,"
                    " state {blob} NOT NULL,"
                    " PRIMARY KEY (run_id, epoch))"),
     QStringLiteral("CREATE TABLE validation_chunks ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " first_epoch BIGINT NOT NULL,"
                    " losses {blob} NOT NULL,"
                    " PRIMARY KEY (run_id, first_epoch))")},
    // 4 → 5: the averaged model's losses of runs with weight averaging, chunked
    // as losses are (NaN before the first average), and the epoch a fork went
    // on from (its history's first fork_epoch losses are its parent's).
    {QStringLiteral("CREATE TABLE averaged_chunks ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " first_epoch BIGINT NOT NULL,"
                    " losses {blob} NOT NULL,"
                    " PRIMARY KEY (run_id, first_epoch))"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN fork_epoch BIGINT NOT NULL DEFAULT 0")},
    // 5 → 6: kept parameters (ParameterFrames) in place of kept predictions,
    // one chunk per batch of frames in the order written: little-endian int64
    // epochs, float32 parameters and gradients, `width` per frame. Snapshots
    // written before stay and still show.
    {QStringLiteral("CREATE TABLE parameter_chunks ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " chunk BIGINT NOT NULL,"
                    " width BIGINT NOT NULL,"
                    " epochs {blob} NOT NULL,"
                    " parameters {blob} NOT NULL,"
                    " gradients {blob} NOT NULL,"
                    " PRIMARY KEY (run_id, chunk))")},
    // 6 → 7: live changes. Each run's journal (requests from a shell wait
    // there as 'requested' until the training process applies or refuses
    // them), every epoch's gradient norm chunked as losses are, the epochs
    // clipping scaled, the kernel and precision spans, and the run a replay
    // repeats.
    {QStringLiteral("CREATE TABLE run_changes ("
                    " id {serial},"
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " action TEXT NOT NULL,"
                    " setting TEXT NOT NULL DEFAULT '',"
                    " value TEXT NOT NULL DEFAULT '',"
                    " source TEXT NOT NULL,"
                    " requested_ms BIGINT NOT NULL,"
                    " state TEXT NOT NULL,"
                    " epoch BIGINT,"
                    " from_value TEXT,"
                    " to_value TEXT,"
                    " applied_ms BIGINT,"
                    " message TEXT NOT NULL DEFAULT '')"),
     QStringLiteral("CREATE INDEX run_changes_by_run ON run_changes (run_id, state)"),
     QStringLiteral("CREATE TABLE gradient_chunks ("
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " first_epoch BIGINT NOT NULL,"
                    " losses {blob} NOT NULL,"
                    " PRIMARY KEY (run_id, first_epoch))"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN clipped_epochs BIGINT NOT NULL DEFAULT 0"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN spans TEXT NOT NULL DEFAULT ''"),
     QStringLiteral("ALTER TABLE runs ADD COLUMN replay_of TEXT"
                    " REFERENCES runs (id) ON DELETE SET NULL")},
    // 7 → 8: successive halving's rungs (SuccessiveHalving.h): each run's
    // loss where it reached a rung of its bracket (hyperband's; 0 in asha;
    // NULL: not finite) and the decision it met, taken in one transaction
    // so that processes and Slurm tasks share one search and no run is
    // decided twice.
    {QStringLiteral("CREATE TABLE rung_results ("
                    " id {serial},"
                    " sweep_id TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,"
                    " bracket INTEGER NOT NULL,"
                    " rung BIGINT NOT NULL,"
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " group_key TEXT NOT NULL,"
                    " loss DOUBLE PRECISION,"
                    " promoted INTEGER NOT NULL,"
                    " decided_ms BIGINT NOT NULL,"
                    " UNIQUE (sweep_id, rung, run_id))")},
    // 8 → 9: a tpe sweep's settings (ParzenSearch.h), each proposed once, in
    // one transaction, by the first of its trial's runs to start: the
    // setting as a JSON array of the axes' values.
    {QStringLiteral("CREATE TABLE sweep_trials ("
                    " sweep_id TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,"
                    " trial INTEGER NOT NULL,"
                    " setting TEXT NOT NULL,"
                    " proposed_ms BIGINT NOT NULL,"
                    " PRIMARY KEY (sweep_id, trial))")},
    // 9 → 10: population-based training's boundaries (PopulationTraining.h):
    // each run's watched loss where it reached one (NULL: not finite), and
    // its member's step there once taken (in one transaction, for every
    // member there): the member it copied (−1: it went on; NULL: not yet)
    // and the setting it goes on with, a JSON array of the axes' values.
    {QStringLiteral("CREATE TABLE population_steps ("
                    " id {serial},"
                    " sweep_id TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,"
                    " epoch BIGINT NOT NULL,"
                    " member INTEGER NOT NULL,"
                    " seed_index INTEGER NOT NULL,"
                    " run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
                    " loss DOUBLE PRECISION,"
                    " source INTEGER,"
                    " setting TEXT NOT NULL,"
                    " arrived_ms BIGINT NOT NULL,"
                    " UNIQUE (sweep_id, epoch, run_id))")},
};
static_assert(std::size(kSteps) == kStoreSchemaVersion, "one step per version");

bool exec(QSqlQuery& query, const QString& sql, QString* error) {
    if (query.exec(sql)) {
        return true;
    }
    if (error) {
        *error = query.lastError().text();
    }
    return false;
}

bool hasMetaTable(QSqlDatabase& db) {
    return db.tables().contains(QStringLiteral("store_meta"));
}

int readVersion(QSqlDatabase& db, QString* error) {
    if (!hasMetaTable(db)) {
        // An empty database is version 0; tables without store_meta are not ours.
        if (!db.tables().isEmpty()) {
            if (error) {
                *error = QStringLiteral("the database holds tables but is not a DREDGE Studio "
                                        "run store");
            }
            return -1;
        }
        return 0;
    }
    QSqlQuery query(db);
    if (!exec(query, QStringLiteral("SELECT value FROM store_meta WHERE key = 'schema_version'"),
              error)) {
        return -1;
    }
    bool ok = false;
    const int version = query.next() ? query.value(0).toString().toInt(&ok) : 0;
    if (!ok || version < 1) {
        if (error) {
            *error = QStringLiteral("the store's schema version is missing or unreadable");
        }
        return -1;
    }
    return version;
}

// Serialises migrations between processes opening the same store.
bool beginExclusive(QSqlDatabase& db, SqlDialect dialect, QString* error) {
    QSqlQuery query(db);
    if (dialect == SqlDialect::Sqlite) {
        return exec(query, QStringLiteral("BEGIN IMMEDIATE"), error);
    }
    return exec(query, QStringLiteral("BEGIN"), error) &&
           exec(query, QStringLiteral("SELECT pg_advisory_xact_lock(7423617)"), error);
}

} // namespace

int storeSchemaVersion(QSqlDatabase& db, QString* error) {
    return readVersion(db, error);
}

bool migrateStore(QSqlDatabase& db, SqlDialect dialect, QString* error, int target) {
    // Most opens find the store current: check without taking the lock.
    const int seen = readVersion(db, error);
    if (seen < 0) {
        return false;
    }
    if (seen > kStoreSchemaVersion) {
        if (error) {
            *error = QStringLiteral("the store was written by a newer DREDGE Studio (schema %1; "
                                    "this one knows up to %2)")
                         .arg(seen)
                         .arg(kStoreSchemaVersion);
        }
        return false;
    }
    if (seen >= target) {
        return true;
    }
    if (!beginExclusive(db, dialect, error)) {
        return false;
    }
    QSqlQuery query(db);
    const auto rollback = [&] {
        query.exec(QStringLiteral("ROLLBACK"));
        return false;
    };
    const int version = readVersion(db, error); // another process may have migrated meanwhile
    if (version < 0) {
        return rollback();
    }
    const bool sqlite = dialect == SqlDialect::Sqlite;
    const QString blob = sqlite ? QStringLiteral("BLOB") : QStringLiteral("BYTEA");
    const QString serial = sqlite ? QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT")
                                  : QStringLiteral("BIGSERIAL PRIMARY KEY");
    for (int step = version; step < target; ++step) {
        for (QString sql : kSteps[step]) {
            sql.replace(QLatin1String("{blob}"), blob).replace(QLatin1String("{serial}"), serial);
            if (!exec(query, sql, error)) {
                return rollback();
            }
        }
    }
    if (version < target) {
        const QString sql =
            version == 0
                ? QStringLiteral(
                      "INSERT INTO store_meta (key, value) VALUES ('schema_version', '%1')")
                : QStringLiteral("UPDATE store_meta SET value = '%1' WHERE key = 'schema_version'");
        if (!exec(query, sql.arg(target), error)) {
            return rollback();
        }
    }
    return exec(query, QStringLiteral("COMMIT"), error) || rollback();
}

} // namespace dredge
