#pragma once
// How many sin, cos and exp evaluations per second this machine can do at
// best in the fused kernels' own style: the same vectorised loops (libmvec,
// the AVX2 clone) over float arrays that stay in L1, one thread, no other
// work. The fused kernels' rate divided by this is how close they are to the
// limit of the hardware.

namespace dredge {

double transcendentalCeilingPerSecond();

} // namespace dredge
