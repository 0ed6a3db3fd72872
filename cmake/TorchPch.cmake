# LibTorch headers cost tens of seconds and ~1 GB per translation unit. One
# precompiled header holds the parts we use; every torch-using target reuses it
# through dredge_use_torch(), so the cost is paid once per build. A reused PCH is
# only valid when compile flags match, hence the shared flag set below and
# -Winvalid-pch (from dredge_warnings) to say so when they do not.

add_library(dredge_torch INTERFACE)
target_link_libraries(dredge_torch INTERFACE ${TORCH_LIBRARIES} dredge_warnings)
target_compile_options(dredge_torch INTERFACE ${TORCH_CXX_FLAGS})
# at::parallel_for is a header template whose `#pragma omp parallel` is
# compiled into our objects: without -fopenmp it silently runs on one thread,
# whatever at::set_num_threads says (TORCH_CXX_FLAGS does not carry it).
# PyTorch's own C++ extensions build with -fopenmp for the same reason.
# ThreadSanitizer builds go without: Debian's libgomp is not instrumented, so
# TSan cannot see its barriers and reports every parallel region as a race.
if(NOT DREDGE_SANITIZE MATCHES "thread")
    find_package(OpenMP REQUIRED COMPONENTS CXX)
    target_link_libraries(dredge_torch INTERFACE OpenMP::OpenMP_CXX)
endif()
target_compile_definitions(dredge_torch INTERFACE DREDGE_TORCH_VERSION="${Torch_VERSION}")

add_library(dredge_torch_pch STATIC cmake/torch_pch_anchor.cpp)
target_link_libraries(dredge_torch_pch PRIVATE dredge_torch)
target_precompile_headers(dredge_torch_pch PRIVATE
    <ATen/ATen.h>
    <ATen/Parallel.h>
    <torch/nn/module.h>
    <torch/nn/modules/linear.h>
    <torch/optim/adam.h>
    <torch/nn/utils/clip_grad.h>)

function(dredge_use_torch target)
    target_link_libraries(${target} PRIVATE dredge_torch)
    target_precompile_headers(${target} REUSE_FROM dredge_torch_pch)
endfunction()
