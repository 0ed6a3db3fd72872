#pragma once
// The run store's tables and their forward migrations. The same statements run
// on SQLite and PostgreSQL; the one word that differs (BLOB / BYTEA) is filled
// in per dialect. A database records its version in store_meta; opening an
// older one applies the missing steps in one transaction, under a lock, so
// that several processes opening a new store at once create it once.

#include <QString>

class QSqlDatabase;

namespace dredge {

enum class SqlDialect { Sqlite, PostgreSql };

// The version this build writes. Version 1: runs and their loss histories.
// Version 2: user fields (notes, star, archive), tags, parent runs, prediction
// snapshots. Version 3: sweeps, and each run's sweep and task. Version 4:
// checkpoints and validation losses. Version 8: successive halving's rungs.
constexpr int kStoreSchemaVersion = 10;

// The database's version: 0 for an empty database, -1 on error.
int storeSchemaVersion(QSqlDatabase& db, QString* error);

// Brings the database to `target` (the latest by default). Refuses a database
// newer than this build knows.
bool migrateStore(QSqlDatabase& db, SqlDialect dialect, QString* error,
                  int target = kStoreSchemaVersion);

} // namespace dredge
