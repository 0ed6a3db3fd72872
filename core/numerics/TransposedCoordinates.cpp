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

} // namespace dredge
