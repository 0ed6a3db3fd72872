#pragma once
// SHA-256 through OpenSSL's EVP API. The object owns its fetched algorithm and
// digest context (RAII) and reuses them for every call, so hashing costs no
// allocation; one object per thread.

#include <QByteArray>
#include <QByteArrayView>
#include <array>
#include <cstdint>

struct evp_md_st;
struct evp_md_ctx_st;

namespace dredge {

// OpenSSL's version text, for About boxes.
QByteArray opensslVersion();

class Sha256 {
public:
    using Digest = std::array<uint8_t, 32>;

    Sha256(); // throws std::runtime_error if OpenSSL cannot provide SHA-256
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    Digest digest(QByteArrayView data);
    QByteArray hexDigest(QByteArrayView data); // 64 lower-case hex characters

    // The same, of bytes that come a piece at a time: begin(), add() each
    // piece in order, then hexResult().
    void begin();
    void add(QByteArrayView piece);
    QByteArray hexResult();

private:
    evp_md_st* md_;
    evp_md_ctx_st* context_;
};

} // namespace dredge
