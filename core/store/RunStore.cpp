#include "RunStore.h"

#include "CheckpointBlob.h"
#include "ExperimentJson.h"
#include "StoredConfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStorageInfo>
#include <QSysInfo>
#include <QUrl>
#include <QUuid>
#include <QtEndian>
#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <type_traits>
#include <unordered_map>

namespace dredge {
namespace {

// A run on another host counts as gone after this long without a heartbeat
// (StoreClient beats at least every 30 s while a run is open).
constexpr qint64 kHeartbeatTimeoutMs = 10 * 60 * 1000;

// Less room than this on the store's file system counts as full: SQLite needs
// whole pages, and its journal more than one.
constexpr qint64 kFullBelowBytes = 64 * 1024;

// Whether the database answered and refused the statement (a constraint, a
// type, SQL it does not take), which no retry mends, rather than failing to
// carry it out (locked, disk full, connection lost).
bool isRefusal(const QSqlError& error) {
    const QString code = error.nativeErrorCode();
    if (code.size() == 5) { // a PostgreSQL SQLSTATE: data, integrity, syntax or access
        return code.startsWith(QLatin1String("22")) || code.startsWith(QLatin1String("23")) ||
               code.startsWith(QLatin1String("42"));
    }
    bool numeric = false;
    const int primary = code.toInt(&numeric) & 0xff; // an SQLite (extended) result code
    // SQLITE_ERROR, SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_RANGE
    return numeric && (primary == 1 || primary == 19 || primary == 20 || primary == 25);
}

QVariant nullable(double value) {
    return std::isfinite(value) ? QVariant(value) : QVariant(QMetaType::fromType<double>());
}
QVariant nullable(const QDateTime& time) {
    return time.isValid() ? QVariant(time.toMSecsSinceEpoch())
                          : QVariant(QMetaType::fromType<qlonglong>());
}
// A null QString binds as SQL NULL: NOT NULL text columns get "" instead.
QString text(const QString& value) {
    return value.isNull() ? QStringLiteral("") : value;
}
double realOr(const QVariant& v, double fallback) {
    return v.isNull() ? fallback : v.toDouble();
}
QDateTime timeOf(const QVariant& v) {
    return v.isNull() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

// Histories and predictions travel as little-endian arrays: exact, compact,
// and the same bytes on every backend.
template <typename T, typename Bits>
QByteArray pack(const std::vector<T>& values) {
    static_assert(sizeof(T) == sizeof(Bits));
    QByteArray bytes(qsizetype(values.size() * sizeof(T)), Qt::Uninitialized);
    qToLittleEndian<Bits>(values.data(), qsizetype(values.size()), bytes.data());
    return bytes;
}
template <typename T, typename Bits>
void unpackInto(const QByteArray& bytes, std::vector<T>& out) {
    const size_t n = size_t(bytes.size()) / sizeof(T);
    const size_t first = out.size();
    out.resize(first + n);
    qFromLittleEndian<Bits>(bytes.constData(), qsizetype(n), out.data() + first);
}

QVariant nullText(const QString& value) {
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}
QString enumText(std::string_view name) {
    return QString::fromUtf8(name.data(), qsizetype(name.size()));
}

// The columns of `runs`, once: what a record writes into each (null: nothing,
// the query leaves it alone), what it reads back (null: written for SQL
// filters only, e.g. the config's denormalised settings), and whether
// updateRun rewrites it (not the user's own fields, nor what only an insert sets).
struct RunColumn {
    const char* name;
    QVariant (*write)(const RunRecord&);
    void (*read)(RunRecord&, const QVariant&);
    bool updated;
};

// A column that holds one field of the record as it is (a text, an integer, a number).
template <auto Field>
QVariant fieldValue(const RunRecord& r) {
    return QVariant::fromValue(r.*Field);
}
template <auto Field>
void setField(RunRecord& r, const QVariant& v) {
    r.*Field = v.value<std::remove_reference_t<decltype(r.*Field)>>();
}
template <auto Field>
constexpr RunColumn plain(const char* name) {
    return {name, &fieldValue<Field>, &setField<Field>, true};
}

const RunColumn kRunColumns[] = {
    plain<&RunRecord::id>("id"),
    {"name", [](const RunRecord& r) -> QVariant { return text(r.name); },
     [](RunRecord& r, const QVariant& v) { r.name = v.toString(); }, false},
    {"created_ms", [](const RunRecord& r) -> QVariant { return r.created.toMSecsSinceEpoch(); },
     [](RunRecord& r, const QVariant& v) { r.created = timeOf(v); }, false},
    {"started_ms", [](const RunRecord& r) { return nullable(r.started); },
     [](RunRecord& r, const QVariant& v) { r.started = timeOf(v); }, true},
    {"ended_ms", [](const RunRecord& r) { return nullable(r.ended); },
     [](RunRecord& r, const QVariant& v) { r.ended = timeOf(v); }, true},
    {"status", [](const RunRecord& r) -> QVariant { return recordStatusName(r.status); },
     [](RunRecord& r, const QVariant& v) {
         r.status = recordStatusFromName(v.toString()).value_or(RecordStatus::Failed);
     },
     true},
    {"config",
     [](const RunRecord& r) -> QVariant { return QString::fromUtf8(configColumn(r.config)); },
     [](RunRecord& r, const QVariant& v) {
         QString problem;
         r.config = configFromColumn(v.toString().toUtf8(), &problem);
         if (!problem.isEmpty()) { // shown, not hidden: the record stays listable
             r.error = QStringLiteral("stored config unreadable: %1").arg(problem);
         }
     },
     true},
    {"data_kind",
     [](const RunRecord& r) -> QVariant { return enumText(dataKindName(r.config.data.kind)); },
     nullptr, true},
    {"model_kind",
     [](const RunRecord& r) -> QVariant { return enumText(modelKindName(r.config.model.kind)); },
     nullptr, true},
    {"learning_rate", [](const RunRecord& r) -> QVariant { return r.config.train.learningRate; },
     nullptr, true},
    {"seed", [](const RunRecord& r) -> QVariant { return qlonglong(r.config.train.seed); }, nullptr,
     true},
    {"amp", [](const RunRecord& r) -> QVariant { return int(r.config.train.mixedPrecision); },
     nullptr, true},
    {"clip_max_norm",
     [](const RunRecord& r) {
         return r.config.train.clipGradients ? QVariant(r.config.train.clipMaxNorm)
                                             : QVariant(QMetaType::fromType<double>());
     },
     nullptr, true},
    {"kernel",
     [](const RunRecord& r) -> QVariant { return enumText(waveKernelName(r.config.model.kernel)); },
     nullptr, true},
    {"threads", [](const RunRecord& r) -> QVariant { return r.config.train.threads; }, nullptr,
     true},
    {"epochs", [](const RunRecord& r) -> QVariant { return qlonglong(r.config.train.epochs); },
     nullptr, true},
    plain<&RunRecord::dataFingerprint>("data_fingerprint"),
    plain<&RunRecord::appVersion>("app_version"),
    plain<&RunRecord::torchVersion>("torch_version"),
    plain<&RunRecord::host>("host"),
    plain<&RunRecord::device>("device"),
    plain<&RunRecord::pid>("pid"),
    {"heartbeat_ms", [](const RunRecord& r) { return nullable(r.heartbeat); },
     [](RunRecord& r, const QVariant& v) { r.heartbeat = timeOf(v); }, true},
    plain<&RunRecord::parameters>("parameters"),
    plain<&RunRecord::points>("points"),
    plain<&RunRecord::zeroPredictorMse>("zero_mse"),
    plain<&RunRecord::epochsDone>("epochs_done"),
    {"final_loss", [](const RunRecord& r) { return nullable(r.finalLoss); },
     [](RunRecord& r, const QVariant& v) { r.finalLoss = realOr(v, std::nan("")); }, true},
    {"best_loss", [](const RunRecord& r) { return nullable(r.bestLoss); },
     [](RunRecord& r, const QVariant& v) { r.bestLoss = realOr(v, std::nan("")); }, true},
    plain<&RunRecord::msPerEpoch>("ms_per_epoch"),
    {"psnr_db", [](const RunRecord& r) { return nullable(r.psnrDb); },
     [](RunRecord& r, const QVariant& v) { r.psnrDb = realOr(v, std::nan("")); }, true},
    {"error", [](const RunRecord& r) -> QVariant { return r.error; },
     [](RunRecord& r, const QVariant& v) {
         if (r.error.isEmpty()) { // an unreadable config's note comes first
             r.error = v.toString();
         }
     },
     true},
    {"notes", [](const RunRecord& r) -> QVariant { return text(r.notes); },
     [](RunRecord& r, const QVariant& v) { r.notes = v.toString(); }, false},
    {"starred", [](const RunRecord& r) -> QVariant { return int(r.starred); },
     [](RunRecord& r, const QVariant& v) { r.starred = v.toInt() != 0; }, false},
    {"archived", [](const RunRecord& r) -> QVariant { return int(r.archived); },
     [](RunRecord& r, const QVariant& v) { r.archived = v.toInt() != 0; }, false},
    {"parent_id", [](const RunRecord& r) { return nullText(r.parentId); },
     [](RunRecord& r, const QVariant& v) { r.parentId = v.toString(); }, false},
    {"sweep_id", [](const RunRecord& r) { return nullText(r.sweepId); },
     [](RunRecord& r, const QVariant& v) { r.sweepId = v.toString(); }, true},
    {"sweep_task",
     [](const RunRecord& r) {
         return r.sweepTask >= 0 ? QVariant(r.sweepTask) : QVariant(QMetaType::fromType<int>());
     },
     [](RunRecord& r, const QVariant& v) { r.sweepTask = v.isNull() ? -1 : v.toInt(); }, true},
    {"fork_epoch", [](const RunRecord& r) -> QVariant { return r.forkEpoch; },
     [](RunRecord& r, const QVariant& v) { r.forkEpoch = v.toLongLong(); }, false},
    plain<&RunRecord::clippedEpochs>("clipped_epochs"),
    {"spans", [](const RunRecord& r) -> QVariant { return text(spansText(r.spans)); },
     [](RunRecord& r, const QVariant& v) { r.spans = spansFromText(v.toString()); }, true},
    {"replay_of", [](const RunRecord& r) { return nullText(r.replayOf); },
     [](RunRecord& r, const QVariant& v) { r.replayOf = v.toString(); }, false},
};

// "a, b, c" of the columns `wanted` picks, written with `format` ("%1", ":%1", "%1 = :%1").
template <typename Wanted>
QString columnList(Wanted wanted, const char* format) {
    QStringList parts;
    for (const auto& column : kRunColumns) {
        if (wanted(column)) {
            parts.append(QString::fromLatin1(format).arg(QLatin1String(column.name)));
        }
    }
    return parts.join(QStringLiteral(", "));
}

void bindRunColumns(QSqlQuery& q, const RunRecord& r, bool insert) {
    for (const auto& column : kRunColumns) {
        if (insert || column.updated) {
            q.bindValue(u':' + QLatin1String(column.name), column.write(r));
        }
    }
}

const QString& insertRunSql() {
    static const QString sql = QStringLiteral("INSERT INTO runs (%1) VALUES (%2)")
                                   .arg(columnList([](const RunColumn&) { return true; }, "%1"),
                                        columnList([](const RunColumn&) { return true; }, ":%1"));
    return sql;
}

const QString& updateRunSql() {
    static const QString sql =
        QStringLiteral("UPDATE runs SET %1 WHERE id = :id")
            .arg(columnList(
                [](const RunColumn& c) { return c.updated && c.name != std::string_view("id"); },
                "%1 = :%1"));
    return sql;
}

const QString kSelectRuns = QStringLiteral("SELECT ") +
                            columnList([](const RunColumn& c) { return c.read != nullptr; }, "%1") +
                            QStringLiteral(" FROM runs");

RunRecord recordFrom(const QSqlQuery& q) {
    RunRecord r;
    for (const auto& column : kRunColumns) {
        if (column.read) {
            column.read(r, q.value(QLatin1String(column.name)));
        }
    }
    return r;
}

// Indexed by LossSeries.
constexpr std::array<const char*, 4> kChunkTables{"loss_chunks", "validation_chunks",
                                                  "averaged_chunks", "gradient_chunks"};

QString chunkTable(LossSeries series) {
    return QLatin1String(kChunkTables[size_t(series)]);
}

bool processIsGone(qint64 pid) {
    return pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
}

} // namespace

bool RunStore::fail(const QSqlQuery& query, QString* error) {
    lastRefused_ = isRefusal(query.lastError());
    if (error) {
        *error = explained(query.lastError().text().trimmed());
    }
    return false;
}

bool RunStore::selectOfRun(QSqlQuery& q, const QString& sql, const QString& id, QString* error,
                           const QVariantMap& more) {
    q.setForwardOnly(true);
    q.prepare(sql);
    q.bindValue(QStringLiteral(":id"), id);
    for (auto it = more.begin(); it != more.end(); ++it) {
        q.bindValue(it.key(), it.value());
    }
    return q.exec() || fail(q, error);
}

std::optional<QSqlQuery> RunStore::rowsOf(const QString& sql, const QString& id, QString* error) {
    QSqlQuery q(database());
    return selectOfRun(q, sql, id, error) ? std::optional<QSqlQuery>(std::move(q)) : std::nullopt;
}

RunStore::RunStore()
    : connectionName_(QStringLiteral("dredge-store-") +
                      QUuid::createUuid().toString(QUuid::WithoutBraces)) {}

RunStore::~RunStore() {
    wholeIdQuery_.reset(); // before its connection goes
    if (QSqlDatabase::contains(connectionName_)) {
        QSqlDatabase::database(connectionName_, false).close();
        QSqlDatabase::removeDatabase(connectionName_);
    }
}

QSqlDatabase RunStore::database() const {
    return QSqlDatabase::database(connectionName_, false);
}

bool RunStore::open(const StoreLocation& location, QString* error) {
    QString why;
    const auto migrated = [this, &why] {
        auto db = database(); // exists once connected
        return migrateStore(db, dialect_, &why);
    };
    if (!connect(location, ReadAccess::ReadWrite, &why) || !configureConnection(&why) ||
        !migrated() || markInterruptedRuns(&why) < 0) {
        if (error) {
            *error = QStringLiteral("store %1: %2").arg(location.display(), explained(why));
        }
        database().close();
        return false;
    }
    open_ = true;
    return true;
}

bool RunStore::openForReading(const StoreLocation& location, QString* error) {
    if (location.backend != StoreLocation::Backend::Sqlite) {
        return open(location, error);
    }
    // Read-only first; on a file system where SQLite cannot create the WAL's
    // shared-memory file, as immutable: nothing can write there meanwhile, and a
    // store left by a clean close has no WAL to miss.
    // SQLite opens lazily: only a first read shows whether the file can be read.
    QString why;
    const auto readable = [&](ReadAccess access) {
        if (!connect(location, access, &why)) {
            return false;
        }
        QSqlQuery probe(database());
        if (probe.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))) {
            return true;
        }
        why = probe.lastError().text().trimmed();
        database().close();
        return false;
    };
    bool ok = readable(ReadAccess::ReadOnly) || readable(ReadAccess::Immutable);
    auto db = database();
    if (ok) {
        const int version = storeSchemaVersion(db, &why);
        ok = version == kStoreSchemaVersion;
        if (version >= 0 && !ok) {
            why = QStringLiteral("its schema (version %1) needs opening for writing first; this "
                                 "DREDGE Studio reads version %2")
                      .arg(version)
                      .arg(kStoreSchemaVersion);
        }
    }
    if (!ok) {
        if (error) {
            *error = QStringLiteral("store %1: %2").arg(location.display(), explained(why));
        }
        db.close();
        return false;
    }
    open_ = true;
    return true;
}

bool RunStore::connect(const StoreLocation& location, ReadAccess access, QString* error) {
    wholeIdQuery_.reset();
    const bool readOnly = access != ReadAccess::ReadWrite;
    location_ = location;
    dialect_ = location.backend == StoreLocation::Backend::Sqlite ? SqlDialect::Sqlite
                                                                  : SqlDialect::PostgreSql;
    const QString driver =
        dialect_ == SqlDialect::Sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL");
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        *error =
            QStringLiteral("the Qt SQL driver %1 is not installed (Debian: %2)")
                .arg(driver, dialect_ == SqlDialect::Sqlite ? QStringLiteral("libqt6sql6-sqlite")
                                                            : QStringLiteral("libqt6sql6-psql"));
        return false;
    }
    auto db = QSqlDatabase::contains(connectionName_)
                  ? database()
                  : QSqlDatabase::addDatabase(driver, connectionName_);
    if (dialect_ == SqlDialect::Sqlite) {
        const QFileInfo file(location.path);
        if (file.isSymLink() && !location.followSymlinks) {
            *error = QStringLiteral("%1 is a symbolic link (to %2): a store is opened under its "
                                    "own name only, unless --follow-symlinks is given")
                         .arg(location.path, file.symLinkTarget());
            return false;
        }
        if (!readOnly && !QDir().mkpath(file.absolutePath())) {
            *error = QStringLiteral("cannot create the folder %1").arg(file.absolutePath());
            return false;
        }
        if (access == ReadAccess::Immutable) {
            db.setDatabaseName(QUrl::fromLocalFile(file.absoluteFilePath()).toString() +
                               QStringLiteral("?immutable=1"));
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
        } else {
            db.setDatabaseName(file.absoluteFilePath());
            db.setConnectOptions(readOnly ? QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000;"
                                                           "QSQLITE_OPEN_READONLY")
                                          : QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        }
    } else {
        db.setHostName(location.host);
        if (location.port > 0) {
            db.setPort(location.port);
        }
        db.setUserName(location.user);
        db.setPassword(location.password);
        db.setDatabaseName(location.database);
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
    }
    if (!db.open()) {
        *error = db.lastError().text().trimmed();
        return false;
    }
    return true;
}

// SQLite names a full or read-only disk in several ways ("disk I/O error",
// "unable to open database file"); the file system itself says which it is.
QString RunStore::explained(const QString& databaseError) const {
    if (dialect_ != SqlDialect::Sqlite) {
        return databaseError;
    }
    const QFileInfo file(location_.path);
    const QStorageInfo volume(file.absolutePath());
    QString cause;
    if (volume.isValid() && volume.isReadOnly()) {
        cause = QStringLiteral("the file system at %1 is read-only").arg(volume.rootPath());
    } else if (volume.isValid() && volume.bytesAvailable() < kFullBelowBytes) {
        cause = QStringLiteral("the file system at %1 is full (%2 bytes free)")
                    .arg(volume.rootPath())
                    .arg(volume.bytesAvailable());
    } else if (file.exists() && !file.isWritable()) {
        cause = QStringLiteral("the file is not writable by this user");
    }
    return cause.isEmpty() || databaseError.endsWith(cause)
               ? databaseError
               : databaseError + QStringLiteral("; ") + cause;
}

bool RunStore::configureConnection(QString* error) {
    if (dialect_ != SqlDialect::Sqlite) {
        return true;
    }
    QSqlQuery q(database());
    // WAL: readers never block the writer and a crash loses no committed
    // batch; NORMAL sync is durable against process crashes, which is what a
    // killed training run needs.
    if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL")) ||
        !q.exec(QStringLiteral("PRAGMA foreign_keys = ON")) ||
        !q.exec(QStringLiteral("PRAGMA synchronous = NORMAL"))) {
        return fail(q, error);
    }
    return true;
}

bool RunStore::beginWrite(QString* error) {
    QSqlQuery q(database());
    // IMMEDIATE takes SQLite's write lock up front, so the busy timeout
    // applies instead of a deadlock between two upgrading readers.
    return q.exec(dialect_ == SqlDialect::Sqlite ? QStringLiteral("BEGIN IMMEDIATE")
                                                 : QStringLiteral("BEGIN")) ||
           fail(q, error);
}

bool RunStore::commit(QString* error) {
    QSqlQuery q(database());
    if (q.exec(QStringLiteral("COMMIT"))) {
        return true;
    }
    fail(q, error);
    rollback();
    return false;
}

void RunStore::rollback() {
    QSqlQuery q(database());
    q.exec(QStringLiteral("ROLLBACK"));
}

bool RunStore::insertRun(const RunRecord& r, QString* error) {
    QSqlQuery q(database());
    q.prepare(insertRunSql());
    bindRunColumns(q, r, true);
    return (q.exec() || fail(q, error)) && writeTags(r, error);
}

bool RunStore::updateRun(const RunRecord& r, QString* error) {
    QSqlQuery q(database());
    q.prepare(updateRunSql());
    bindRunColumns(q, r, false);
    return q.exec() || fail(q, error);
}

bool RunStore::renameRun(const QString& id, const QString& name, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE runs SET name = :name WHERE id = :id"));
    q.bindValue(QStringLiteral(":name"), text(name));
    q.bindValue(QStringLiteral(":id"), id);
    return q.exec() || fail(q, error);
}

bool RunStore::updateUserFields(const RunRecord& r, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE runs SET name = :name, notes = :notes, starred = :starred, "
                             "archived = :archived WHERE id = :id"));
    q.bindValue(QStringLiteral(":name"), text(r.name));
    q.bindValue(QStringLiteral(":notes"), text(r.notes));
    q.bindValue(QStringLiteral(":starred"), int(r.starred));
    q.bindValue(QStringLiteral(":archived"), int(r.archived));
    q.bindValue(QStringLiteral(":id"), r.id);
    return (q.exec() || fail(q, error)) && writeTags(r, error);
}

bool RunStore::writeTags(const RunRecord& r, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("DELETE FROM run_tags WHERE run_id = :id"));
    q.bindValue(QStringLiteral(":id"), r.id);
    if (!q.exec()) {
        return fail(q, error);
    }
    QStringList tags = r.tags;
    tags.removeDuplicates();
    q.prepare(QStringLiteral("INSERT INTO run_tags (run_id, tag) VALUES (:id, :tag)"));
    for (const auto& tag : std::as_const(tags)) {
        q.bindValue(QStringLiteral(":id"), r.id);
        q.bindValue(QStringLiteral(":tag"), tag);
        if (!q.exec()) {
            return fail(q, error);
        }
    }
    return true;
}

bool RunStore::appendLosses(const QString& id, qint64 firstEpoch, const std::vector<double>& losses,
                            QString* error, LossSeries series) {
    if (losses.empty()) {
        return true;
    }
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO %1 (run_id, first_epoch, losses) "
                             "VALUES (:id, :first, :losses)")
                  .arg(chunkTable(series)));
    q.bindValue(QStringLiteral(":id"), id);
    q.bindValue(QStringLiteral(":first"), firstEpoch);
    q.bindValue(QStringLiteral(":losses"), pack<double, quint64>(losses));
    return q.exec() || fail(q, error);
}

bool RunStore::addSnapshot(const QString& id, const StoredSnapshot& s, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO snapshots (run_id, epoch, stride, prediction) "
                             "VALUES (:id, :epoch, :stride, :prediction)"));
    q.bindValue(QStringLiteral(":id"), id);
    q.bindValue(QStringLiteral(":epoch"), s.epoch);
    q.bindValue(QStringLiteral(":stride"), s.stride);
    q.bindValue(QStringLiteral(":prediction"), pack<float, quint32>(s.values));
    return q.exec() || fail(q, error);
}

bool RunStore::addParameters(const QString& id, const ParameterFrames& frames, QString* error) {
    if (frames.empty()) {
        return true;
    }
    QSqlQuery q(database());
    q.prepare(QStringLiteral(
        "INSERT INTO parameter_chunks (run_id, chunk, width, epochs, parameters, gradients) "
        "VALUES (:id, (SELECT COALESCE(MAX(chunk), -1) + 1 FROM parameter_chunks WHERE run_id = "
        ":id2), :width, :epochs, :parameters, :gradients)"));
    q.bindValue(QStringLiteral(":id"), id);
    q.bindValue(QStringLiteral(":id2"), id);
    q.bindValue(QStringLiteral(":width"), qint64(frames.width));
    q.bindValue(QStringLiteral(":epochs"), pack<int64_t, quint64>(frames.epochs));
    q.bindValue(QStringLiteral(":parameters"), pack<float, quint32>(frames.values));
    q.bindValue(QStringLiteral(":gradients"), pack<float, quint32>(frames.gradients));
    return q.exec() || fail(q, error);
}

bool RunStore::addCheckpoint(const QString& id, const TrainingCheckpoint& c, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("DELETE FROM checkpoints WHERE run_id = :id AND epoch = :epoch"));
    q.bindValue(QStringLiteral(":id"), id);
    q.bindValue(QStringLiteral(":epoch"), qint64(c.epoch));
    if (!q.exec()) {
        return fail(q, error);
    }
    q.prepare(QStringLiteral("INSERT INTO checkpoints (run_id, epoch, state) "
                             "VALUES (:id, :epoch, :state)"));
    q.bindValue(QStringLiteral(":id"), id);
    q.bindValue(QStringLiteral(":epoch"), qint64(c.epoch));
    q.bindValue(QStringLiteral(":state"), encodeCheckpoint(c));
    return q.exec() || fail(q, error);
}

bool RunStore::recordProgress(const QString& id, qint64 epochsDone, const QDateTime& heartbeat,
                              QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE runs SET epochs_done = :done, heartbeat_ms = :beat "
                             "WHERE id = :id AND status = 'running'"));
    q.bindValue(QStringLiteral(":done"), epochsDone);
    q.bindValue(QStringLiteral(":beat"), heartbeat.toMSecsSinceEpoch());
    q.bindValue(QStringLiteral(":id"), id);
    return q.exec() || fail(q, error);
}

bool RunStore::deleteRuns(const QStringList& ids, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("DELETE FROM runs WHERE id = :id"));
    for (const auto& id : ids) {
        q.bindValue(QStringLiteral(":id"), id);
        if (!q.exec()) {
            return fail(q, error);
        }
    }
    return true;
}

bool RunStore::insertSweep(const SweepRecord& sweep, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO sweeps (id, name, created_ms, spec, tasks) "
                             "VALUES (:id, :name, :created, :spec, :tasks)"));
    q.bindValue(QStringLiteral(":id"), sweep.id);
    q.bindValue(QStringLiteral(":name"), text(sweep.name));
    q.bindValue(QStringLiteral(":created"), sweep.created.toMSecsSinceEpoch());
    q.bindValue(QStringLiteral(":spec"), QString::fromUtf8(sweep.spec));
    q.bindValue(QStringLiteral(":tasks"), sweep.tasks);
    return q.exec() || fail(q, error);
}

std::optional<SweepRecord> RunStore::loadSweep(const QString& id, QString* error) {
    auto rows = rowsOf(
        QStringLiteral("SELECT id, name, created_ms, spec, tasks FROM sweeps WHERE id = :id"), id,
        error);
    if (!rows) {
        return std::nullopt;
    }
    auto& q = *rows;
    if (!q.next()) {
        if (error) {
            *error = QStringLiteral("no sweep %1 in the store").arg(id);
        }
        return std::nullopt;
    }
    return SweepRecord{q.value(0).toString(), q.value(1).toString(), timeOf(q.value(2)),
                       q.value(3).toString().toUtf8(), q.value(4).toInt()};
}

std::optional<std::optional<SweepRecord>> RunStore::unfinishedSweep(const QByteArray& spec,
                                                                    QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral(
        "SELECT id FROM sweeps s WHERE spec = :spec AND EXISTS "
        "(SELECT 1 FROM runs WHERE sweep_id = s.id AND status = 'queued') AND NOT EXISTS "
        "(SELECT 1 FROM runs WHERE sweep_id = s.id AND status = 'running') "
        "ORDER BY created_ms DESC LIMIT 1"));
    q.bindValue(QStringLiteral(":spec"), QString::fromUtf8(spec));
    if (!q.exec()) {
        fail(q, error);
        return std::nullopt;
    }
    if (!q.next()) {
        return std::optional<SweepRecord>{};
    }
    const QString id = q.value(0).toString();
    q.finish();
    auto sweep = loadSweep(id, error);
    return sweep ? std::optional(sweep) : std::nullopt;
}

bool RunStore::requeueTask(const QString& sweepId, int task, const RunRecord& queued,
                           const QString& why, QString* error) {
    if (!beginWrite(error)) {
        return false;
    }
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE runs SET status = 'interrupted', error = :why, ended_ms = "
                             ":now WHERE sweep_id = :sweep AND sweep_task = :task AND status = "
                             "'running'"));
    q.bindValue(QStringLiteral(":why"), why);
    q.bindValue(QStringLiteral(":now"), QDateTime::currentMSecsSinceEpoch());
    q.bindValue(QStringLiteral(":sweep"), sweepId);
    q.bindValue(QStringLiteral(":task"), task);
    bool ok = q.exec() || fail(q, error);
    // Queued again only when nothing of the task is left (another store
    // user may have marked the dead run interrupted first): killed before
    // it took the task, its queued record still waits; a second call adds
    // no second run.
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM runs WHERE sweep_id = :sweep AND sweep_task = "
                             ":task AND status NOT IN ('interrupted', 'failed')"));
    q.bindValue(QStringLiteral(":sweep"), sweepId);
    q.bindValue(QStringLiteral(":task"), task);
    ok = ok && (q.exec() || fail(q, error)) && q.next();
    const bool left = ok && q.value(0).toInt() > 0;
    q.finish();
    if (!ok || (!left && !insertRun(queued, error))) {
        rollback();
        return false;
    }
    return commit(error);
}

std::optional<RunRecord> RunStore::claimQueuedRun(const QString& sweepId, int task,
                                                  QString* error) {
    // One statement: of several processes given the same task, one wins.
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE runs SET status = 'running', host = :host, pid = :pid, "
                             "heartbeat_ms = :now WHERE sweep_id = :sweep AND sweep_task = :task "
                             "AND status = 'queued'"));
    q.bindValue(QStringLiteral(":host"), QSysInfo::machineHostName());
    q.bindValue(QStringLiteral(":pid"), QCoreApplication::applicationPid());
    q.bindValue(QStringLiteral(":now"), QDateTime::currentMSecsSinceEpoch());
    q.bindValue(QStringLiteral(":sweep"), sweepId);
    q.bindValue(QStringLiteral(":task"), task);
    if (!q.exec()) {
        fail(q, error);
        return std::nullopt;
    }
    if (q.numRowsAffected() != 1) {
        if (error) {
            *error = QStringLiteral("no queued run for task %1 of sweep %2").arg(task).arg(sweepId);
        }
        return std::nullopt;
    }
    q.prepare(QStringLiteral("SELECT id FROM runs WHERE sweep_id = :sweep AND sweep_task = :task "
                             "AND status = 'running' AND pid = :pid"));
    q.bindValue(QStringLiteral(":sweep"), sweepId);
    q.bindValue(QStringLiteral(":task"), task);
    q.bindValue(QStringLiteral(":pid"), QCoreApplication::applicationPid());
    if (!q.exec() || !q.next()) {
        fail(q, error);
        return std::nullopt;
    }
    return loadRun(q.value(0).toString(), error);
}

std::optional<RunRecord> RunStore::claimWithinBudget(const QString& sweepId, int task,
                                                     qint64 epochs, qint64 budget, qint64* held,
                                                     QString* error) {
    std::optional<RunRecord> claimed;
    *held = -1;
    const auto answer = decide(
        QStringLiteral("runs"),
        [&](QSqlQuery&, bool& wrote) -> std::optional<QVariant> {
            const auto taken = sweepEpochsHeld(sweepId, error);
            if (taken && *taken + epochs > budget) {
                wrote = false; // nothing to write: the task stays queued
                *held = *taken;
                return QVariant(false);
            }
            claimed = taken ? claimQueuedRun(sweepId, task, error) : std::nullopt;
            return claimed ? std::optional(QVariant(true)) : std::nullopt;
        },
        error);
    return answer && answer->toBool() ? claimed : std::nullopt;
}

std::optional<qint64> RunStore::sweepEpochsHeld(const QString& sweepId, QString* error) {
    const auto runs = listRuns(error);
    if (!runs) {
        return std::nullopt;
    }
    qint64 held = 0;
    for (const auto& r : *runs) {
        if (r.sweepId == sweepId && r.status == RecordStatus::Running) {
            held += std::max<qint64>(0, r.config.train.epochs - r.forkEpoch);
        } else if (r.sweepId == sweepId && isEnded(r.status)) {
            held += epochsTrained(r);
        }
    }
    return held;
}

std::optional<std::vector<RunRecord>> RunStore::listRuns(QString* error) {
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!q.exec(kSelectRuns + QStringLiteral(" ORDER BY created_ms DESC, id"))) {
        fail(q, error);
        return std::nullopt;
    }
    std::vector<RunRecord> runs;
    std::unordered_map<QString, size_t> rowOf;
    while (q.next()) {
        runs.push_back(recordFrom(q));
        rowOf.emplace(runs.back().id, runs.size() - 1);
    }
    if (!q.exec(QStringLiteral("SELECT run_id, tag FROM run_tags ORDER BY tag"))) {
        fail(q, error);
        return std::nullopt;
    }
    while (q.next()) {
        if (const auto it = rowOf.find(q.value(0).toString()); it != rowOf.end()) {
            runs[it->second].tags.append(q.value(1).toString());
        }
    }
    if (!summarizeJournals(runs, error)) {
        return std::nullopt;
    }
    return runs;
}

bool RunStore::selectOne(QSqlQuery& q, const QString& sql, const QVariant& key,
                         const QString& missing, QString* error) {
    q.prepare(sql);
    q.bindValue(QStringLiteral(":key"), key);
    if (!q.exec()) {
        return fail(q, error);
    }
    if (!q.next()) {
        if (error) {
            *error = missing;
        }
        return false;
    }
    return true;
}

std::optional<RunRecord> RunStore::loadRun(const QString& id, QString* error) {
    QSqlQuery q(database());
    if (!selectOne(q, kSelectRuns + QStringLiteral(" WHERE id = :key"), id,
                   QStringLiteral("no run %1 in the store").arg(id), error)) {
        return std::nullopt;
    }
    auto record = recordFrom(q);
    q.prepare(QStringLiteral("SELECT tag FROM run_tags WHERE run_id = :id ORDER BY tag"));
    q.bindValue(QStringLiteral(":id"), id);
    if (!q.exec()) {
        fail(q, error);
        return std::nullopt;
    }
    while (q.next()) {
        record.tags.append(q.value(0).toString());
    }
    return record;
}

std::optional<std::vector<double>> RunStore::lossHistory(const QString& id, QString* error,
                                                         LossSeries series) {
    QSqlQuery q(database());
    if (!selectOfRun(q,
                     QStringLiteral("SELECT first_epoch, losses FROM %1 WHERE run_id = :id "
                                    "ORDER BY first_epoch")
                         .arg(chunkTable(series)),
                     id, error)) {
        return std::nullopt;
    }
    std::vector<double> losses;
    while (q.next()) {
        // Chunks are written in order and without gaps; a chunk that does not
        // continue the history (a damaged store) ends it rather than shifting it.
        if (q.value(0).toLongLong() != qint64(losses.size())) {
            break;
        }
        unpackInto<double, quint64>(q.value(1).toByteArray(), losses);
    }
    return losses;
}

std::optional<std::vector<StoredSnapshot>> RunStore::snapshots(const QString& id, QString* error) {
    auto rows = rowsOf(QStringLiteral("SELECT epoch, stride, prediction FROM snapshots "
                                      "WHERE run_id = :id ORDER BY epoch"),
                       id, error);
    if (!rows) {
        return std::nullopt;
    }
    auto& q = *rows;
    std::vector<StoredSnapshot> result;
    while (q.next()) {
        StoredSnapshot s;
        s.epoch = q.value(0).toLongLong();
        s.stride = std::max(1, q.value(1).toInt());
        unpackInto<float, quint32>(q.value(2).toByteArray(), s.values);
        result.push_back(std::move(s));
    }
    return result;
}

std::optional<ParameterFrames> RunStore::parameterFrames(const QString& id, QString* error) {
    QSqlQuery q(database());
    if (!selectOfRun(q,
                     QStringLiteral("SELECT width, epochs, parameters, gradients FROM "
                                    "parameter_chunks WHERE run_id = :id ORDER BY chunk"),
                     id, error)) {
        return std::nullopt;
    }
    ParameterFrames all;
    while (q.next()) {
        ParameterFrames chunk;
        chunk.width = q.value(0).toLongLong();
        unpackInto<int64_t, quint64>(q.value(1).toByteArray(), chunk.epochs);
        unpackInto<float, quint32>(q.value(2).toByteArray(), chunk.values);
        unpackInto<float, quint32>(q.value(3).toByteArray(), chunk.gradients);
        // A chunk whose sizes disagree (a damaged store) is left out, not misread.
        if (!chunk.consistent() || (!all.empty() && chunk.width != all.width)) {
            continue;
        }
        all.merge(chunk);
    }
    return all;
}

std::optional<std::vector<qint64>> RunStore::epochsOfRun(const QString& sql, const QString& id,
                                                         QString* error) {
    auto rows = rowsOf(sql, id, error);
    std::vector<qint64> epochs;
    while (rows && rows->next()) {
        epochs.push_back(rows->value(0).toLongLong());
    }
    return rows ? std::optional(std::move(epochs)) : std::nullopt;
}

std::optional<std::vector<qint64>> RunStore::checkpointEpochs(const QString& id, QString* error) {
    return epochsOfRun(
        QStringLiteral("SELECT epoch FROM checkpoints WHERE run_id = :id ORDER BY epoch"), id,
        error);
}

std::optional<TrainingCheckpoint> RunStore::checkpoint(const QString& id, qint64 epoch,
                                                       QString* error) {
    QSqlQuery q(database());
    const qint64 latest = epoch < 0 ? std::numeric_limits<qint64>::max() : epoch;
    if (!selectOfRun(q,
                     QStringLiteral("SELECT state FROM checkpoints WHERE run_id = :id AND epoch <= "
                                    ":epoch ORDER BY epoch DESC LIMIT 1"),
                     id, error, {{QStringLiteral(":epoch"), latest}})) {
        return std::nullopt;
    }
    if (!q.next()) {
        if (error) {
            *error = epoch < 0 ? QStringLiteral("run %1 has no checkpoint").arg(id)
                               : QStringLiteral("run %1 has no checkpoint at or before epoch %2")
                                     .arg(id)
                                     .arg(epoch);
        }
        return std::nullopt;
    }
    TrainingCheckpoint c;
    QString why;
    if (!decodeCheckpoint(q.value(0).toByteArray(), &c, &why)) {
        if (error) {
            *error = QStringLiteral("run %1: %2").arg(id, why);
        }
        return std::nullopt;
    }
    return c;
}

std::optional<ResumePoint> RunStore::resumePoint(const QString& id, qint64 epoch, QString* error) {
    auto checkpoint = this->checkpoint(id, epoch, error);
    auto losses = checkpoint ? lossHistory(id, error) : std::nullopt;
    auto validation = losses ? lossHistory(id, error, LossSeries::Validation) : std::nullopt;
    auto averaged = validation ? lossHistory(id, error, LossSeries::Averaged) : std::nullopt;
    auto norms = averaged ? lossHistory(id, error, LossSeries::GradientNorm) : std::nullopt;
    if (!norms) {
        return std::nullopt;
    }
    const auto at = size_t(checkpoint->epoch);
    if (losses->size() < at || (!validation->empty() && validation->size() < at)) {
        if (error) {
            *error = QStringLiteral("run %1 holds %2 losses but a checkpoint at epoch %3")
                         .arg(id)
                         .arg(losses->size())
                         .arg(checkpoint->epoch);
        }
        return std::nullopt;
    }
    losses->resize(at);
    if (!validation->empty()) { // a run with a validation split
        validation->resize(at);
    }
    averaged->resize(std::min(averaged->size(), at)); // NaN-padded when read: shorter is fine
    norms->resize(std::min(norms->size(), at));
    return ResumePoint{std::move(*checkpoint), std::move(*losses), std::move(*validation),
                       std::move(*averaged), std::move(*norms)};
}

std::optional<QString> RunStore::resolveId(const QString& prefix, QString* error, IdFailure* why) {
    IdFailure ignored;
    why = why ? why : &ignored;
    static const QRegularExpression idPattern(QStringLiteral("^[0-9a-fA-F-]+$"));
    *why = IdFailure::NotAnId;
    if (!idPattern.match(prefix).hasMatch()) {
        if (error) {
            *error = QStringLiteral("'%1' is not a run id (hex digits and '-')").arg(prefix);
        }
        return std::nullopt;
    }
    if (prefix.size() == 36) { // a whole id: one indexed lookup
        if (auto id = wholeId(prefix.toLower(), error, why)) {
            return id;
        }
        if (*why == IdFailure::Store) {
            return std::nullopt;
        }
    }
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT id FROM runs WHERE id LIKE :prefix ORDER BY id"));
    q.bindValue(QStringLiteral(":prefix"), prefix.toLower() + u'%');
    *why = IdFailure::Store;
    if (!q.exec()) {
        fail(q, error);
        return std::nullopt;
    }
    QStringList matches;
    while (q.next() && matches.size() < 3) {
        matches.append(q.value(0).toString());
    }
    if (matches.size() == 1) {
        return matches.first();
    }
    *why = matches.isEmpty() ? IdFailure::NoMatch : IdFailure::Ambiguous;
    if (error) {
        *error = matches.isEmpty()
                     ? QStringLiteral("no run id starts with '%1'").arg(prefix)
                     : QStringLiteral("'%1' is ambiguous: %2%3")
                           .arg(prefix, matches.mid(0, 2).join(QStringLiteral(", ")),
                                matches.size() > 2 ? QStringLiteral(", …") : QString());
    }
    return std::nullopt;
}

std::optional<QString> RunStore::wholeId(const QString& id, QString* error, IdFailure* why) {
    if (!wholeIdQuery_) {
        wholeIdQuery_ = std::make_unique<QSqlQuery>(database());
        wholeIdQuery_->setForwardOnly(true);
        if (!wholeIdQuery_->prepare(QStringLiteral("SELECT id FROM runs WHERE id = :id"))) {
            *why = IdFailure::Store;
            fail(*wholeIdQuery_, error);
            wholeIdQuery_.reset();
            return std::nullopt;
        }
    }
    auto& q = *wholeIdQuery_;
    q.bindValue(QStringLiteral(":id"), id);
    if (!q.exec()) {
        *why = IdFailure::Store;
        fail(q, error);
        return std::nullopt;
    }
    std::optional<QString> found;
    if (q.next()) {
        found = q.value(0).toString();
    }
    q.finish(); // no read transaction left open between requests
    *why = IdFailure::NoMatch;
    return found;
}

int RunStore::markInterruptedRuns(QString* error) {
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT id, host, pid, heartbeat_ms, created_ms FROM runs "
                               "WHERE status = 'running'"))) {
        fail(q, error);
        return -1;
    }
    const QString thisHost = QSysInfo::machineHostName();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    struct Gone {
        QString id;
        qint64 lastSign;
    };
    std::vector<Gone> gone;
    while (q.next()) {
        const qint64 lastSign =
            q.value(3).isNull() ? q.value(4).toLongLong() : q.value(3).toLongLong();
        const bool deadHere =
            q.value(1).toString() == thisHost && processIsGone(q.value(2).toLongLong());
        if (deadHere || now - lastSign > kHeartbeatTimeoutMs) {
            gone.push_back({q.value(0).toString(), lastSign});
        }
    }
    if (gone.empty()) {
        return 0;
    }
    if (!beginWrite(error)) {
        return -1;
    }
    // The condition on status keeps a run that ended meanwhile as it ended.
    q.prepare(
        QStringLiteral("UPDATE runs SET status = 'interrupted', ended_ms = :ended, error = :error "
                       "WHERE id = :id AND status = 'running'"));
    for (const auto& run : gone) {
        q.bindValue(QStringLiteral(":ended"), run.lastSign);
        q.bindValue(QStringLiteral(":error"),
                    QStringLiteral("the process training it ended without finishing it "
                                   "(crash or kill); its history is kept up to the last batch"));
        q.bindValue(QStringLiteral(":id"), run.id);
        if (!q.exec()) {
            fail(q, error);
            rollback();
            return -1;
        }
    }
    return commit(error) ? int(gone.size()) : -1;
}

} // namespace dredge
