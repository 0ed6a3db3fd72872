#include "TransposedCoordinates.h"

namespace dredge {

std::vector<float> gridAxesOf(const at::Tensor& xT, const fused::TensorGridLayout& grid) {
    if (!grid || !xT.is_cpu() || xT.scalar_type() != at::kFloat) {
        return {};
    }
    return fused::gridAxesOf(xT.data_ptr<float>(), xT.size(1), xT.size(0), grid);
}

const at::Tensor& TransposedCoordinates::of(const at::Tensor& x) {
    if (!source_.is_same(x) || version_ != x._version()) {
        source_ = x;
        version_ = x._version();
        transposed_ = x.detach().t().contiguous();
        gridKnown_ = false;
    }
    return transposed_;
}

fused::TensorGridLayout TransposedCoordinates::gridLayout() {
    if (!gridKnown_) {
        gridKnown_ = true;
        grid_ =
            transposed_.defined() && transposed_.is_cpu() && transposed_.scalar_type() == at::kFloat
                ? fused::tensorGridLayoutOf(transposed_.data_ptr<float>(), transposed_.size(1),
                                            transposed_.size(0))
                : fused::TensorGridLayout{};
        gridAxes_ = gridAxesOf(transposed_, grid_);
    }
    return grid_;
}

bool TransposedCoordinates::timeIsZero(const at::Tensor& t) {
    if (!time_.is_same(t) || timeVersion_ != t._version()) {
        time_ = t;
        timeVersion_ = t._version();
        timeIsZero_ = t.numel() == 0 || !t.detach().ne(0).any().item<bool>();
    }
    return timeIsZero_;
}

} // namespace dredge
