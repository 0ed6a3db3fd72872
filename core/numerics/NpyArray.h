#pragma once
// NumPy's .npy format (version 1.0–3.0): a header that is a Python dict
// literal ({'descr': '<f4', 'fortran_order': False, 'shape': (64, 64, 32), })
// and the array's bytes. The volumes a user brings: float32, float64, uint8,
// uint16 and int16, little-endian (or one byte), in C order. Plain C++: the
// header parser is also a fuzz target (tests/fuzz_npy_header.cpp).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dredge {

class NpyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class NpyType { Float32, Float64, UInt8, UInt16, Int16 };

struct NpyHeader {
    NpyType type = NpyType::Float32;
    std::vector<int64_t> shape;
    size_t headerBytes = 0; // where the values start
    int64_t elements() const;
    size_t valueBytes() const; // of one element
};

// The header at the start of `bytes` (at least its first 10 bytes and the
// dict): what the values are and where they start. Throws NpyError saying
// what is wrong (not .npy, a type or layout it does not take, a bad shape).
NpyHeader parseNpyHeader(std::string_view bytes);

// Every value as float, in C order. Throws NpyError for too few bytes.
std::vector<float> npyValues(const NpyHeader& header, std::string_view bytes);

// A .npy file (version 1.0) of little-endian float32 `values` of `shape`,
// C order: what NumPy's np.load reads.
std::string npyFileOf(const std::vector<int64_t>& shape, const std::vector<float>& values);

} // namespace dredge
