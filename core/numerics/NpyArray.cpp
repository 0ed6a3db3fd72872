#include "NpyArray.h"

#include <array>
#include <cstring>
#include <limits>

namespace dredge {
namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);
constexpr int64_t kMaxElements = int64_t(1) << 40; // beyond any file a header could describe

struct TypeName {
    std::string_view descr;
    NpyType type;
};
constexpr std::array<TypeName, 6> kTypes{{{"<f4", NpyType::Float32},
                                          {"<f8", NpyType::Float64},
                                          {"|u1", NpyType::UInt8},
                                          {"<u1", NpyType::UInt8},
                                          {"<u2", NpyType::UInt16},
                                          {"<i2", NpyType::Int16}}};

// The value of `key` in the dict: the text after "'key':" up to the next
// top-level ',' or '}' (a tuple's commas are inside its parentheses).
std::string_view valueOf(std::string_view dict, std::string_view key) {
    const std::string quoted = "'" + std::string(key) + "'";
    auto at = dict.find(quoted);
    if (at == std::string_view::npos) {
        throw NpyError("its header has no '" + std::string(key) + "'");
    }
    at = dict.find(':', at + quoted.size());
    if (at == std::string_view::npos) {
        throw NpyError("its header's '" + std::string(key) + "' has no value");
    }
    size_t end = at + 1;
    int depth = 0;
    for (; end < dict.size(); ++end) {
        const char c = dict[end];
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        if (depth == 0 && (c == ',' || c == '}')) {
            break;
        }
    }
    auto value = dict.substr(at + 1, end - at - 1);
    while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    while (!value.empty() && value.back() == ' ') {
        value.remove_suffix(1);
    }
    return value;
}

std::vector<int64_t> shapeOf(std::string_view text) {
    if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
        throw NpyError("its shape is not a tuple: " + std::string(text));
    }
    std::vector<int64_t> shape;
    int64_t elements = 1;
    size_t i = 1;
    while (i < text.size() - 1) {
        while (i < text.size() - 1 && (text[i] == ' ' || text[i] == ',')) {
            ++i;
        }
        if (i >= text.size() - 1) {
            break;
        }
        int64_t n = 0;
        size_t digits = 0;
        for (; i < text.size() - 1 && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
            if (n > kMaxElements) {
                throw NpyError("its shape is too large: " + std::string(text));
            }
            n = n * 10 + (text[i] - '0');
        }
        if (digits == 0) {
            throw NpyError("its shape is not a tuple of sizes: " + std::string(text));
        }
        if (n == 0 || n > kMaxElements / elements) { // no product that overflows
            throw NpyError("its shape " + std::string(text) + " holds no values or too many");
        }
        elements *= n;
        shape.push_back(n);
    }
    if (shape.empty()) {
        throw NpyError("it holds one number, not an array (its shape is " + std::string(text) +
                       ")");
    }
    return shape;
}

} // namespace

int64_t NpyHeader::elements() const {
    int64_t n = 1;
    for (const auto s : shape) {
        n *= s;
    }
    return n;
}

size_t NpyHeader::valueBytes() const {
    constexpr std::array<size_t, 5> kBytes{4, 8, 1, 2, 2};
    return kBytes[size_t(type)];
}

NpyHeader parseNpyHeader(std::string_view bytes) {
    if (bytes.size() < 10 || bytes.substr(0, 6) != kMagic) {
        throw NpyError("not a NumPy .npy file (no \\x93NUMPY at its start)");
    }
    const auto major = uint8_t(bytes[6]);
    const size_t lengthBytes = major == 1 ? 2 : 4;
    if (major < 1 || major > 3 || bytes.size() < 8 + lengthBytes) {
        throw NpyError(".npy version " + std::to_string(major) + " is not 1, 2 or 3");
    }
    size_t length = 0;
    for (size_t i = 0; i < lengthBytes; ++i) {
        length |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    }
    NpyHeader header;
    header.headerBytes = 8 + lengthBytes + length;
    if (bytes.size() < header.headerBytes) {
        throw NpyError("its header is cut short (" + std::to_string(bytes.size()) + " of " +
                       std::to_string(header.headerBytes) + " bytes)");
    }
    const auto dict = bytes.substr(8 + lengthBytes, length);
    const auto descr = valueOf(dict, "descr");
    bool known = false;
    for (const auto& t : kTypes) {
        if (descr == "'" + std::string(t.descr) + "'") {
            header.type = t.type;
            known = true;
        }
    }
    if (!known) {
        throw NpyError("its values are " + std::string(descr) +
                       "; DREDGE Studio reads float32, float64, uint8, uint16 and int16, "
                       "little-endian");
    }
    if (valueOf(dict, "fortran_order") != "False") {
        throw NpyError("it is in Fortran order; save it in C order (numpy.ascontiguousarray)");
    }
    header.shape = shapeOf(valueOf(dict, "shape"));
    return header;
}

std::vector<float> npyValues(const NpyHeader& header, std::string_view bytes) {
    const int64_t n = header.elements();
    const size_t need = header.headerBytes + size_t(n) * header.valueBytes();
    if (bytes.size() < need) {
        throw NpyError("it is truncated: its shape needs " + std::to_string(need) +
                       " bytes, it has " + std::to_string(bytes.size()));
    }
    auto values = std::vector<float>(size_t(n));
    const char* at = bytes.data() + header.headerBytes;
    const auto read = [&](auto sample) {
        for (int64_t i = 0; i < n; ++i) {
            decltype(sample) v;
            std::memcpy(&v, at + size_t(i) * sizeof v, sizeof v); // little-endian host
            values[size_t(i)] = float(v);
        }
    };
    switch (header.type) {
    case NpyType::Float32:
        read(float{});
        break;
    case NpyType::Float64:
        read(double{});
        break;
    case NpyType::UInt8:
        read(uint8_t{});
        break;
    case NpyType::UInt16:
        read(uint16_t{});
        break;
    case NpyType::Int16:
        read(int16_t{});
        break;
    }
    return values;
}

std::string npyFileOf(const std::vector<int64_t>& shape, const std::vector<float>& values) {
    std::string dims;
    for (const auto n : shape) {
        dims += std::to_string(n) + ", ";
    }
    if (shape.size() > 1) {
        dims.resize(dims.size() - 1); // (2, 3), but (2,) for one axis
    }
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    // NumPy pads the header with spaces and a newline to a multiple of 64.
    while ((10 + dict.size() + 1) % 64 != 0) {
        dict += ' ';
    }
    dict += '\n';
    std::string file("\x93NUMPY\x01\x00", 8);
    file += char(dict.size() & 0xff);
    file += char(dict.size() >> 8);
    file += dict;
    static_assert(sizeof(float) == 4);
    file.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    return file;
}

} // namespace dredge
