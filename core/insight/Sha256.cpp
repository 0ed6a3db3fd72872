#include "Sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdexcept>

namespace dredge {

QByteArray opensslVersion() {
    return OpenSSL_version(OPENSSL_VERSION);
}

Sha256::Sha256()
    : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr))
    , context_(EVP_MD_CTX_new()) {
    if (!md_ || !context_) {
        EVP_MD_free(md_);
        EVP_MD_CTX_free(context_);
        throw std::runtime_error("OpenSSL cannot provide SHA-256");
    }
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(context_);
    EVP_MD_free(md_);
}

Sha256::Digest Sha256::digest(QByteArrayView data) {
    Digest out{};
    unsigned int length = 0;
    if (EVP_DigestInit_ex(context_, md_, nullptr) != 1 ||
        EVP_DigestUpdate(context_, data.data(), size_t(data.size())) != 1 ||
        EVP_DigestFinal_ex(context_, out.data(), &length) != 1 || length != out.size()) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
    return out;
}

QByteArray Sha256::hexDigest(QByteArrayView data) {
    begin();
    add(data);
    return hexResult();
}

void Sha256::begin() {
    if (EVP_DigestInit_ex(context_, md_, nullptr) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
}

void Sha256::add(QByteArrayView piece) {
    if (EVP_DigestUpdate(context_, piece.data(), size_t(piece.size())) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
}

QByteArray Sha256::hexResult() {
    Digest out{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_, out.data(), &length) != 1 || length != out.size()) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
    return QByteArray(reinterpret_cast<const char*>(out.data()), int(out.size())).toHex();
}

} // namespace dredge
