#pragma once
// Coordinates x [N, D] in the [D, N] layout the fused kernels read, and
// whether t is all zeros. Training passes the same x and t every epoch, so
// both are kept for as long as the tensor is the same, unmodified (its
// version counter unchanged).

#include "TensorGridLayout.h"

#include <ATen/ATen.h>

namespace dredge {

// The coordinates of `grid`, axis after axis (fused::gridAxesOf), from xT
// [D, N] holding all of its points; empty unless float on the CPU.
std::vector<float> gridAxesOf(const at::Tensor& xT, const fused::TensorGridLayout& grid);

class TransposedCoordinates {
public:
    const at::Tensor& of(const at::Tensor& x);
    // Whether every time t is 0 (the data sets without time), for the
    // kernels' static path; kept the same way for the last t asked about.
    bool timeIsZero(const at::Tensor& t);
    // Whether the points of the last x are a tensor-product grid (float
    // CPU coordinates only), found once per x.
    fused::TensorGridLayout gridLayout();
    // That grid's coordinates, axis after axis (fused::gridAxesOf); empty
    // where there is none.
    const std::vector<float>& gridAxes() {
        gridLayout();
        return gridAxes_;
    }
    // The grid the kernels may use at times t: the points' grid where every
    // t is 0, else none.
    fused::TensorGridLayout gridLayoutAt(const at::Tensor& t) {
        return timeIsZero(t) ? gridLayout() : fused::TensorGridLayout{};
    }

private:
    at::Tensor source_; // held, so its TensorImpl cannot be reused by another tensor
    at::Tensor transposed_;
    int64_t version_ = -1;
    bool gridKnown_ = false;
    fused::TensorGridLayout grid_;
    std::vector<float> gridAxes_;
    at::Tensor time_;
    int64_t timeVersion_ = -1;
    bool timeIsZero_ = false;
};

} // namespace dredge
