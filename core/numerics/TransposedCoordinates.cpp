#include "TransposedCoordinates.h"

namespace dredge {

const at::Tensor& TransposedCoordinates::of(const at::Tensor& x) {
    if (!source_.is_same(x) || version_ != x._version()) {
        source_ = x;
        version_ = x._version();
        transposed_ = x.detach().t().contiguous();
    }
    return transposed_;
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
