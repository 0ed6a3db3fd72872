#pragma once
// Points a user names to predict at (`runs predict --points FILE.csv`): one
// point a line, D comma-separated coordinates and optionally a time. A first
// line that is not numbers is a header; a header column named `t` is the
// time, and without a header a (D+1)-th column is. Blank lines and lines
// starting with # are skipped.

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace dredge {

struct PointsTable {
    std::vector<float> coords; // [N·D] row-major
    std::vector<float> time;   // [N], or empty: t = 0 throughout
    QStringList columns;       // the coordinates' names (x1…xD without a header)
    size_t size(int dims) const { return coords.size() / size_t(dims); }
};

// Nothing, with why (the file, the line and what is wrong), for a file that
// is not such a table for `dims` coordinates.
std::optional<PointsTable> readPointsFile(const QString& path, int dims, QString* error);

// The default names of D coordinates: x for one, else x1…xD.
QStringList coordinateNames(int dims);

} // namespace dredge
