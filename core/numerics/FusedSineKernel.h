#pragma once
// The elementwise part of a SIREN sine layer, y = sin(w0·(W x + b)), in plain
// C++ that the compiler vectorises (issue 3). The matrix products stay with
// BLAS; what is fused here is everything around them: the bias, the w0 scale,
// the sine, and the cosine the backward needs, in one pass over the
// activations, so the backward evaluates no transcendental at all.
// No LibTorch in this header.

#include <cstdint>

namespace dredge::fused {

// For rows [begin, end) of a [rows][cols] layer: z = w0·(pre + bias[col]),
// sinOut = sin z, cosOut = cos z. pre is x Wᵀ from a matrix product.
template <typename Scalar>
void sineLayerForward(const Scalar* pre, const Scalar* bias, int64_t cols, int64_t begin,
                      int64_t end, Scalar w0, Scalar* sinOut, Scalar* cosOut);

// The same for a layer with one input (SIREN's first layer on 1-D data), where
// x Wᵀ is an outer product: z = w0·(x[row]·weight[col] + bias[col]).
template <typename Scalar>
void sineLayerForwardRank1(const Scalar* x, const Scalar* weight, const Scalar* bias, int64_t cols,
                           int64_t begin, int64_t end, Scalar w0, Scalar* sinOut, Scalar* cosOut);

// gradPre = gradOut · w0 · cos z over `count` elements: dL/d(W x + b).
template <typename Scalar>
void sineLayerBackward(const Scalar* gradOut, const Scalar* cosSaved, int64_t count, Scalar w0,
                       Scalar* gradPre);

} // namespace dredge::fused
