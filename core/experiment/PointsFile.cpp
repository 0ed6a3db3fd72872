#include "PointsFile.h"

#include "InputFile.h"

#include <QList>
#include <cmath>

namespace dredge {
namespace {

constexpr qint64 kMaxBytes = qint64(1) << 30;  // as the CSV signal
constexpr size_t kMaxPoints = size_t(1) << 26; // 67 million: 256 MiB of floats at D = 1

// The numbers of one line, or nothing where a field is not a finite number.
std::optional<std::vector<float>> numbersOf(const QList<QByteArray>& fields) {
    std::vector<float> values;
    for (const auto& field : fields) {
        bool ok = false;
        const double v = field.trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(v)) {
            return std::nullopt;
        }
        values.push_back(float(v));
    }
    return values;
}

// Which column is the time, from a header's names (-1: none).
int timeColumnOf(const QList<QByteArray>& header) {
    for (int i = 0; i < int(header.size()); ++i) {
        if (header[i].trimmed() == "t") {
            return i;
        }
    }
    return -1;
}

} // namespace

QStringList coordinateNames(int dims) {
    if (dims == 1) {
        return {QStringLiteral("x")};
    }
    QStringList names;
    for (int i = 1; i <= dims; ++i) {
        names << QStringLiteral("x%1").arg(i);
    }
    return names;
}

std::optional<PointsTable> readPointsFile(const QString& path, int dims, QString* error) {
    const auto bytes = readInputFile(path, kMaxBytes, QStringLiteral("points file"), error);
    if (!bytes) {
        return std::nullopt;
    }
    PointsTable table;
    table.columns = coordinateNames(dims);
    int columns = -1, timeColumn = -1;
    const auto lines = bytes->split('\n');
    for (qsizetype n = 0; n < lines.size(); ++n) {
        const auto line = lines[n].trimmed();
        if (line.isEmpty() || line.startsWith('#')) {
            continue;
        }
        const auto fields = line.split(',');
        const auto values = numbersOf(fields);
        const auto where = QStringLiteral("%1, line %2").arg(path).arg(n + 1);
        if (!values && columns < 0) { // the header
            columns = int(fields.size());
            timeColumn = timeColumnOf(fields);
            table.columns.clear();
            for (int i = 0; i < columns; ++i) {
                if (i != timeColumn) {
                    table.columns << QString::fromUtf8(fields[i].trimmed());
                }
            }
            if (columns - (timeColumn >= 0 ? 1 : 0) != dims) {
                *error = QStringLiteral("%1: the header names %2 coordinates; the run's model "
                                        "takes %3 (and optionally t)")
                             .arg(where)
                             .arg(columns - (timeColumn >= 0 ? 1 : 0))
                             .arg(dims);
                return std::nullopt;
            }
            continue;
        }
        if (!values) {
            *error = QStringLiteral("%1: '%2' is not a row of numbers")
                         .arg(where, QString::fromUtf8(line.left(80)));
            return std::nullopt;
        }
        if (columns < 0) { // no header: D columns, or D and t
            columns = int(values->size());
            timeColumn = columns == dims + 1 ? dims : -1;
        }
        if (int(values->size()) != columns || (columns != dims && timeColumn < 0)) {
            *error = QStringLiteral("%1: %2 values where the run's model takes %3 coordinates "
                                    "(and optionally t)")
                         .arg(where)
                         .arg(values->size())
                         .arg(dims);
            return std::nullopt;
        }
        if (table.coords.size() / size_t(dims) >= kMaxPoints) {
            *error = QStringLiteral("%1: more than %2 points").arg(where).arg(kMaxPoints);
            return std::nullopt;
        }
        for (int i = 0; i < columns; ++i) {
            (i == timeColumn ? table.time : table.coords).push_back((*values)[size_t(i)]);
        }
    }
    if (table.coords.empty()) {
        *error = QStringLiteral("%1 holds no points").arg(path);
        return std::nullopt;
    }
    return table;
}

} // namespace dredge
