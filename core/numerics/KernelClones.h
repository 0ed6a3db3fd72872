#pragma once
// DREDGE_CLONES on a fused CPU kernel's entry function builds an AVX-512 copy
// (x86-64-v4) and an AVX2 + FMA copy (x86-64-v3) beside the baseline one
// (target_clones) and picks one at load time, so shipped builds need no
// -march=native. FastMath.h's functions vectorise at each copy's width.
//
// Sanitizer builds go without clones: the loader runs the clones' ifunc
// resolver during relocation, before ThreadSanitizer is initialised, and the
// instrumented resolver crashes there.

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(DREDGE_SANITIZED)
#define DREDGE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DREDGE_CLONES
#endif
