#pragma once
// How many sin, cos and exp evaluations per second this machine can do at
// best in the fused kernels' own style: the same vectorised loops (libmvec,
// the AVX2 clone) over float arrays that stay in L1, one thread, no other
// work. The fused kernels' rate divided by this is how close they are to the
// limit of the hardware.

namespace dredge {

// The best of `trials` trials of `rounds` passes over a block each: the
// defaults take ~30 ms; a few short trials serve to measure it again beside
// each timed block (the machines' speed drifts within a sitting).
double transcendentalCeilingPerSecond(int trials = 40, int rounds = 2000);

// How many float multiply-adds per second one thread can do at best, in the
// same style: the same copies (DREDGE_CLONES) vectorising a loop over an
// L1-resident block whose points each run a chain of multiply-adds, the
// chains of neighbouring points independent. The limit no kernel passes.
double fmaCeilingPerSecond(int trials = 40, int rounds = 2000);

} // namespace dredge
