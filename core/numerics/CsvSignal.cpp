#include "CsvSignal.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace dredge {
namespace {

constexpr std::size_t kMaxRows = std::size_t(1) << 24;
// 2^24 rows of two numbers each take well under this.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t(1) << 30;

std::string_view trim(std::string_view s) {
    const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!s.empty() && isSpace(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && isSpace(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// Parses the whole field as a number; false if anything else is in it.
bool parseNumber(std::string_view field, double& value) {
    const std::string text(trim(field));
    if (text.empty()) {
        return false;
    }
    char* end = nullptr;
    errno = 0;
    value = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size();
}

std::string quoted(std::string_view field) {
    constexpr std::size_t kShown = 40;
    std::string s(trim(field).substr(0, kShown));
    return "'" + s + (trim(field).size() > kShown ? "...'" : "'");
}

} // namespace

CsvError::CsvError(int line, const std::string& reason)
    : std::runtime_error(line > 0 ? "line " + std::to_string(line) + ": " + reason : reason)
    , line_(line) {}

namespace {

// Calls take(x, y) for every data row of `text` in order, after checking it;
// returns how many there were.
template <typename Take>
std::size_t forEachRow(std::string_view text, Take&& take) {
    std::size_t rows = 0;
    bool headerAllowed = true;
    int lineNumber = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const auto raw = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++lineNumber;

        const auto line = trim(raw);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto sep = line.find_first_of(",;\t");
        if (sep == std::string_view::npos) {
            if (headerAllowed) {
                headerAllowed = false;
                continue;
            }
            throw CsvError(lineNumber, "expected two columns 'x,y', found one");
        }
        const auto first = line.substr(0, sep);
        const auto second = line.substr(sep + 1);
        if (second.find_first_of(",;\t") != std::string_view::npos) {
            throw CsvError(lineNumber, "expected two columns 'x,y', found more");
        }
        double x = 0.0;
        double y = 0.0;
        const bool xOk = parseNumber(first, x);
        const bool yOk = parseNumber(second, y);
        if (!xOk || !yOk) {
            if (headerAllowed && !xOk && !yOk) {
                headerAllowed = false; // a header such as "x,y"
                continue;
            }
            throw CsvError(lineNumber, "not a number: " + quoted(xOk ? second : first));
        }
        if (!std::isfinite(x) || !std::isfinite(y)) {
            throw CsvError(lineNumber, "value is not finite (NaN or infinity)");
        }
        if (rows >= kMaxRows) {
            throw CsvError(lineNumber, "more than " + std::to_string(kMaxRows) + " rows");
        }
        headerAllowed = false;
        take(rows++, x, y);
    }
    if (rows == 0) {
        throw CsvError(0, "no data rows: expected lines of 'x,y'");
    }
    return rows;
}

std::string readCsvFile(const std::string& path) {
    // A regular file, of bounded size, read once: /dev/zero grew to 5 GB, a
    // FIFO was opened twice (here and for the fingerprint), a folder read as
    // "no data rows".
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (error || !std::filesystem::exists(status)) {
        throw CsvError(0, "cannot open '" + path + "': no such file");
    }
    if (std::filesystem::is_directory(status)) {
        throw CsvError(0, "'" + path + "' is a folder; the CSV signal must be a file");
    }
    if (!std::filesystem::is_regular_file(status)) {
        throw CsvError(0, "'" + path +
                              "' is not a regular file (a device, FIFO or socket); the CSV "
                              "signal must be a file");
    }
    const auto size = std::filesystem::file_size(path, error);
    if (!error && size > kMaxFileBytes) {
        throw CsvError(0, "'" + path + "' is " + std::to_string(size >> 20) +
                              " MiB; the CSV signal may be at most " +
                              std::to_string(kMaxFileBytes >> 20) + " MiB");
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw CsvError(0, "cannot open '" + path + "'");
    }
    std::string content(std::size_t(error ? 0 : size), '\0');
    file.read(content.data(), std::streamsize(content.size()));
    if (file.bad() || std::size_t(file.gcount()) != content.size()) {
        throw CsvError(0, "cannot read '" + path + "'");
    }
    return content;
}

} // namespace

CsvSignal parseCsvSignal(std::string_view text) {
    CsvSignal signal;
    forEachRow(text, [&](std::size_t, double x, double y) {
        signal.x.push_back(x);
        signal.y.push_back(y);
    });
    return signal;
}

CsvSignal loadCsvSignal(const std::string& path) {
    return parseCsvSignal(readCsvFile(path));
}

CsvSignal loadCsvSignalRows(const std::string& path, const CsvRowsOf& rowsOf,
                            std::size_t* allRows) {
    const auto text = readCsvFile(path);
    *allRows = forEachRow(text, [](std::size_t, double, double) {}); // checks every row
    const auto [first, end] = rowsOf(*allRows);
    CsvSignal part;
    part.x.reserve(end - first);
    part.y.reserve(end - first);
    forEachRow(text, [&, first = first, end = end](std::size_t row, double x, double y) {
        if (row >= first && row < end) {
            part.x.push_back(x);
            part.y.push_back(y);
        }
    });
    return part;
}

} // namespace dredge
