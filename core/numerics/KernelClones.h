#pragma once
// DREDGE_CLONES on a fused CPU kernel's entry function builds an AVX2 copy
// beside the baseline one (target_clones) and picks one at load time, so
// shipped builds need no -march=native.
//
// Sanitizer builds go without clones: the loader runs the clones' ifunc
// resolver during relocation, before ThreadSanitizer is initialised, and the
// instrumented resolver crashes there.

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(DREDGE_SANITIZED)
#define DREDGE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DREDGE_CLONES
#endif
