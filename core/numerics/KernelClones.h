#pragma once
// Copies of a fused CPU kernel for the vector instruction sets of x86-64, so
// that shipped builds need no -march=native.
//
// DREDGE_CLONES (the sine kernel, the bench's ceiling) builds the copies with
// target_clones and lets the loader pick one (an ifunc). The wave and
// interference kernels choose their copy themselves (runInBestCopy): their
// copies differ in more than width, as FastMath.h reduces arguments with FMA
// instructions where the copy has them and in double where it has not, a
// choice made by a template parameter, which target_clones cannot vary.
//
// Sanitizer builds go without target_clones: the loader runs the clones' ifunc
// resolver during relocation, before ThreadSanitizer is initialised, and the
// instrumented resolver crashes there. runInBestCopy chooses at the first
// call, well after, and keeps its copies there.

#include <utility>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DREDGE_X86_COPIES 1
#endif

#if defined(DREDGE_X86_COPIES) && !defined(DREDGE_SANITIZED)
#define DREDGE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DREDGE_CLONES
#endif

#if defined(DREDGE_X86_COPIES)
#define DREDGE_COPY_AVX512 __attribute__((target("arch=x86-64-v4")))
#define DREDGE_COPY_AVX2_FMA __attribute__((target("arch=x86-64-v3")))
#else
#define DREDGE_COPY_AVX512
#define DREDGE_COPY_AVX2_FMA
#endif

namespace dredge::fused {

// The copies: baseline x86-64 (SSE2), x86-64-v3 (AVX2 + FMA), x86-64-v4
// (AVX-512).
enum class KernelCopy { Baseline, Avx2Fma, Avx512 };

inline bool kernelCopySupported(KernelCopy copy) {
#if defined(DREDGE_X86_COPIES)
    switch (copy) {
    case KernelCopy::Avx2Fma:
        return __builtin_cpu_supports("x86-64-v3");
    case KernelCopy::Avx512:
        return __builtin_cpu_supports("x86-64-v4");
    case KernelCopy::Baseline:
        break;
    }
    return true;
#else
    return copy == KernelCopy::Baseline;
#endif
}

inline const char* kernelCopyName(KernelCopy copy) {
    switch (copy) {
    case KernelCopy::Avx2Fma:
        return "AVX2+FMA";
    case KernelCopy::Avx512:
        return "AVX-512";
    case KernelCopy::Baseline:
        break;
    }
    return "baseline";
}

// The best copy this CPU runs, found at the first call.
inline KernelCopy bestKernelCopy() {
    static const KernelCopy best = kernelCopySupported(KernelCopy::Avx512) ? KernelCopy::Avx512
                                   : kernelCopySupported(KernelCopy::Avx2Fma)
                                       ? KernelCopy::Avx2Fma
                                       : KernelCopy::Baseline;
    return best;
}

// Name: an entry point for runInBestCopy whose run<Fma>(args...) calls the
// function template impl<Fma>(args...), inlined into each copy.
#define DREDGE_KERNEL_ENTRY(Name, impl)                                                            \
    struct Name {                                                                                  \
        template <bool Fma, typename... Args>                                                      \
        [[gnu::always_inline]] static void run(Args&&... args) {                                   \
            impl<Fma>(std::forward<Args>(args)...);                                                \
        }                                                                                          \
    }

// Entry::run<Fma>(args...) compiled for each copy; Entry::run must be
// always_inline, so that its body is compiled again in each.
template <typename Entry, typename... Args>
DREDGE_COPY_AVX512 void runAvx512(Args&&... args) {
    Entry::template run<true>(std::forward<Args>(args)...);
}
template <typename Entry, typename... Args>
DREDGE_COPY_AVX2_FMA void runAvx2Fma(Args&&... args) {
    Entry::template run<true>(std::forward<Args>(args)...);
}
template <typename Entry, typename... Args>
void runBaseline(Args&&... args) {
    Entry::template run<false>(std::forward<Args>(args)...);
}

// Entry::run<Fma>(args...) in the given copy (which the CPU must run).
template <typename Entry, typename... Args>
void runInCopy(KernelCopy copy, Args&&... args) {
    switch (copy) {
    case KernelCopy::Avx512:
        return runAvx512<Entry>(std::forward<Args>(args)...);
    case KernelCopy::Avx2Fma:
        return runAvx2Fma<Entry>(std::forward<Args>(args)...);
    case KernelCopy::Baseline:
        break;
    }
    runBaseline<Entry>(std::forward<Args>(args)...);
}

// Entry::run<Fma>(args...) in the best copy for this CPU.
template <typename Entry, typename... Args>
void runInBestCopy(Args&&... args) {
    runInCopy<Entry>(bestKernelCopy(), std::forward<Args>(args)...);
}

} // namespace dredge::fused
