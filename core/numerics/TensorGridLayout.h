#pragma once
// Whether a set of points is a tensor-product grid in row-major order (the
// 4-D and 6-D data sets, a volume): point p = o·S + q has the outer axes'
// coordinates of row o and the inner axes' coordinates of entry q of the
// first row. Then k·x = k_outer·x(o) + k_inner·x(q) and ‖x‖² splits the
// same way, so the kernels take cos, sin and exp of the n/S + S partial sums
// once and combine them per point with a few multiplications, instead of
// evaluating them at every point. No LibTorch in this header.

#include <cstdint>

namespace dredge::fused {

struct TensorGridLayout {
    int64_t innerAxis = 0;   // axes [0, innerAxis) are outer, [innerAxis, D) inner
    int64_t innerPoints = 0; // S: points per row; 0 when the points are no such grid
    int64_t rows = 0;        // n / S

    explicit operator bool() const { return innerPoints > 0; }
};

// Rows shorter than this would leave vector lanes idle and make the per-row
// tables a large share of the work.
constexpr int64_t kMinGridRow = 64;

namespace detail {

// Whether xT [D][n] factors as described above, with inner axes from `a`
// and rows of `rowPoints`: compared exactly, bit for bit.
template <typename Scalar>
bool factorsAt(const Scalar* xT, int64_t n, int64_t dims, int64_t a, int64_t rowPoints) {
    for (int64_t d = 0; d < dims; ++d) {
        const Scalar* axis = xT + d * n;
        for (int64_t p = 1; p < n; ++p) {
            const int64_t same = d < a ? p - p % rowPoints : p % rowPoints;
            if (axis[p] != axis[same]) {
                return false;
            }
        }
    }
    return true;
}

} // namespace detail

// The finest split of xT [D][n] into rows of at least kMinGridRow points
// and at least two rows, or an empty layout.
template <typename Scalar>
TensorGridLayout tensorGridLayoutOf(const Scalar* xT, int64_t n, int64_t dims) {
    for (int64_t a = dims - 1; a >= 1; --a) {
        // A row ends where the last outer axis first changes.
        const Scalar* lastOuter = xT + (a - 1) * n;
        int64_t rowPoints = 1;
        while (rowPoints < n && lastOuter[rowPoints] == lastOuter[0]) {
            ++rowPoints;
        }
        if (rowPoints < kMinGridRow) {
            continue;
        }
        if (rowPoints >= n || n % rowPoints != 0 || !detail::factorsAt(xT, n, dims, a, rowPoints)) {
            return {};
        }
        return {a, rowPoints, n / rowPoints};
    }
    return {};
}

} // namespace dredge::fused
