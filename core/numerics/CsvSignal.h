#pragma once
// A user's 1-D signal from a two-column CSV file (x, y). No LibTorch, no Qt.
//
// Accepted: one "x,y" pair per line (commas, semicolons or tabs), surrounding
// spaces, blank lines and '#' comments anywhere, and one header line before the
// first data line. Every value must be a finite number.

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dredge {

struct CsvSignal {
    std::vector<double> x;
    std::vector<double> y;
};

// A malformed file: what went wrong and on which line (1-based; 0 = whole file).
class CsvError : public std::runtime_error {
public:
    CsvError(int line, const std::string& reason);
    int line() const { return line_; }

private:
    int line_;
};

CsvSignal parseCsvSignal(std::string_view text);
CsvSignal loadCsvSignal(const std::string& path); // also throws CsvError for I/O
// Rows [first, end) alone, which `rowsOf` picks from the count of all rows
// (one rank's shard); every row is still read and checked, so that every
// rank refuses a bad file alike. `allRows` receives the count.
using CsvRowsOf = std::function<std::pair<std::size_t, std::size_t>(std::size_t rows)>;
CsvSignal loadCsvSignalRows(const std::string& path, const CsvRowsOf& rowsOf, std::size_t* allRows);

} // namespace dredge
