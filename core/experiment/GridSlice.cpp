#include "GridSlice.h"

namespace dredge {

std::vector<size_t> sliceRows(const GridSlice& s) {
    const int dims = int(s.shape.size());
    if (dims < 2 || s.across == s.up || s.across < 0 || s.up < 0 || s.across >= dims ||
        s.up >= dims || int(s.fixed.size()) != dims) {
        return {};
    }
    // The stride of each axis: the last axis moves fastest.
    std::vector<size_t> stride(size_t(dims), 1);
    for (int d = dims - 2; d >= 0; --d) {
        stride[size_t(d)] = stride[size_t(d) + 1] * size_t(s.shape[size_t(d) + 1]);
    }
    size_t base = s.firstRow;
    for (int d = 0; d < dims; ++d) {
        if (d == s.across || d == s.up) {
            continue;
        }
        if (s.fixed[size_t(d)] < 0 || s.fixed[size_t(d)] >= s.shape[size_t(d)]) {
            return {};
        }
        base += size_t(s.fixed[size_t(d)]) * stride[size_t(d)];
    }
    const auto nAcross = size_t(s.shape[size_t(s.across)]);
    const auto nUp = size_t(s.shape[size_t(s.up)]);
    std::vector<size_t> rows;
    rows.reserve(nAcross * nUp);
    for (size_t a = 0; a < nAcross; ++a) {
        for (size_t u = 0; u < nUp; ++u) {
            rows.push_back(base + a * stride[size_t(s.across)] + u * stride[size_t(s.up)]);
        }
    }
    return rows;
}

} // namespace dredge
