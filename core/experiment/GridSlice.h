#pragma once
// A 2-D slice through the points of a grid data set, for the prediction
// views: the data sets lay their points out in 'ij' order (the last axis
// fastest, docs/reference.md §2), so a slice is a set of row indices. Plain
// C++: no Qt, no LibTorch.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dredge {

struct GridSlice {
    std::vector<int64_t> shape; // points per axis
    int across = 0;             // the axis drawn left to right
    int up = 1;                 // the axis drawn bottom to top
    std::vector<int64_t> fixed; // an index on every axis (across and up ignored)
    size_t firstRow = 0;        // the instant's first point, for data where time moves
};

// The rows of the slice's cells, cell (a, u) at [a · shape[up] + u]; empty
// when the slice does not fit the shape.
std::vector<size_t> sliceRows(const GridSlice& slice);

} // namespace dredge
