#pragma once
// Whether a set of points is a tensor-product grid in row-major order (the
// 4-D and 6-D data sets, a volume, an image): axis d takes G_d values and
// point p has the ((p / stride_d) mod G_d)-th of them, stride_d being the
// product of the later axes' sizes. Then k·x = Σ_d k_d x_d, and cos and sin
// of it (and the envelope, a product over the axes) follow from the Σ G_d
// per-axis values by angle addition and multiplication, instead of being
// evaluated at every point. The kernels group the axes into outer ones (a
// row) and inner ones (an entry of a row): point p = o·S + q. No LibTorch in
// this header.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dredge::fused {

constexpr int64_t kMaxGridAxes = 8;

struct TensorGridLayout {
    int64_t innerAxis = 0;   // axes [0, innerAxis) are outer, [innerAxis, D) inner
    int64_t innerPoints = 0; // S: points per row; 0 when the points are no such grid
    int64_t rows = 0;        // n / S
    std::array<int64_t, kMaxGridAxes> axisPoints{}; // G_d
    // The points at hand are [firstPoint, firstPoint + n) of the grid: one
    // rank's shard of it (EpochShard); 0 for the whole grid.
    int64_t firstPoint = 0;

    explicit operator bool() const { return innerPoints > 0; }
};

// The layout as integers, to travel through an autograd Function's
// arguments and saved data, and back.
inline std::vector<int64_t> encodedLayout(const TensorGridLayout& grid) {
    std::vector<int64_t> code{grid.innerAxis, grid.innerPoints, grid.rows, grid.firstPoint};
    code.insert(code.end(), grid.axisPoints.begin(), grid.axisPoints.end());
    return code;
}
inline TensorGridLayout decodedLayout(const std::vector<int64_t>& code) {
    TensorGridLayout grid;
    if (code.size() == 4 + grid.axisPoints.size()) {
        grid.innerAxis = code[0];
        grid.innerPoints = code[1];
        grid.rows = code[2];
        grid.firstPoint = code[3];
        std::copy(code.begin() + 4, code.end(), grid.axisPoints.begin());
    }
    return grid;
}

// Rows shorter than this would leave vector lanes idle and make the per-row
// tables a large share of the work.
constexpr int64_t kMinGridRow = 64;

namespace detail {

// Whether axis `axis` [n] takes at point p the value at point
// ((p / stride) mod size)·stride, for every p: compared exactly, bit for bit.
template <typename Scalar>
bool axisRepeats(const Scalar* axis, int64_t n, int64_t stride, int64_t size) {
    for (int64_t p = 0; p < n; ++p) {
        if (axis[p] != axis[((p / stride) % size) * stride]) {
            return false;
        }
    }
    return true;
}

} // namespace detail

// The layout of a grid of axisPoints[d] distinct values along each of its
// `dims` axes ('ij' order), with the finest rows of at least kMinGridRow
// points and at least two rows; or an empty layout. What tensorGridLayoutOf
// finds in the grid's points, known without them.
inline TensorGridLayout tensorGridLayoutFor(const std::array<int64_t, kMaxGridAxes>& axisPoints,
                                            int64_t dims) {
    if (dims < 2 || dims > kMaxGridAxes) {
        return {};
    }
    TensorGridLayout grid;
    grid.axisPoints = axisPoints;
    int64_t rowPoints = 1, n = 1;
    for (int64_t d = 0; d < dims; ++d) {
        if (axisPoints[std::size_t(d)] < 2) {
            return {};
        }
        n *= axisPoints[std::size_t(d)];
    }
    for (int64_t a = dims - 1; a >= 1; --a) {
        rowPoints *= axisPoints[std::size_t(a)];
        if (rowPoints >= kMinGridRow) {
            grid.innerAxis = a;
            grid.innerPoints = rowPoints;
            grid.rows = n / rowPoints;
            return grid;
        }
    }
    return {};
}

// The layout of xT [D][n] as such a grid (each axis at least two values),
// with the finest rows of at least kMinGridRow points and at least two rows;
// or an empty layout.
template <typename Scalar>
TensorGridLayout tensorGridLayoutOf(const Scalar* xT, int64_t n, int64_t dims) {
    if (dims < 2 || dims > kMaxGridAxes) {
        return {};
    }
    // stride[d]: where axis d first changes (the later axes' points).
    std::array<int64_t, kMaxGridAxes> stride{};
    stride[std::size_t(dims - 1)] = 1;
    for (int64_t d = dims - 2; d >= 0; --d) {
        const Scalar* axis = xT + d * n;
        int64_t first = 1;
        while (first < n && axis[first] == axis[0]) {
            ++first;
        }
        if (first >= n || first <= stride[std::size_t(d + 1)] ||
            first % stride[std::size_t(d + 1)] != 0) {
            return {};
        }
        stride[std::size_t(d)] = first;
    }
    std::array<int64_t, kMaxGridAxes> axisPoints{};
    for (int64_t d = 0; d < dims; ++d) {
        const int64_t span = d == 0 ? n : stride[std::size_t(d - 1)];
        if (span % stride[std::size_t(d)] != 0 || span / stride[std::size_t(d)] < 2 ||
            (d == 0 && n % stride[0] != 0) ||
            !detail::axisRepeats(xT + d * n, n, stride[std::size_t(d)],
                                 span / stride[std::size_t(d)])) {
            return {};
        }
        axisPoints[std::size_t(d)] = span / stride[std::size_t(d)];
    }
    return tensorGridLayoutFor(axisPoints, dims);
}

// The grid's coordinates, axis after axis (G_0 values, then G_1, …): what
// its tables are made of, read from the points xT [D][n] of the whole grid.
template <typename Scalar>
std::vector<Scalar> gridAxesOf(const Scalar* xT, int64_t n, int64_t dims,
                               const TensorGridLayout& grid) {
    std::vector<Scalar> axes;
    int64_t stride = n;
    for (int64_t d = 0; d < dims; ++d) {
        stride /= grid.axisPoints[std::size_t(d)];
        for (int64_t i = 0; i < grid.axisPoints[std::size_t(d)]; ++i) {
            axes.push_back(xT[d * n + i * stride]);
        }
    }
    return axes;
}

} // namespace dredge::fused
