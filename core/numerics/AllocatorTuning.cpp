#include "AllocatorTuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dredge {

void tuneMallocForTraining() {
#if defined(__GLIBC__)
    // Keep tensors up to 256 MiB on the heap and keep up to 1 GiB of freed
    // heap for reuse, so steady-state epochs allocate without system calls.
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

} // namespace dredge
