#include "RequestFraming.h"

#include <QList>
#include <algorithm>

namespace dredge {
namespace {

constexpr qsizetype kMaxChunkLine = 1024;

// RFC 9110's token characters: what a method and a header name are made of.
bool isToken(QByteArrayView text) {
    static constexpr QByteArrayView kSeparators = "!#$%&'*+-.^_`|~";
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               kSeparators.contains(c);
    });
}

bool allDigits(QByteArrayView text, qsizetype maxDigits) {
    return !text.isEmpty() && text.size() <= maxDigits &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Compares without an early exit: the time taken does not tell how much of
// a token was right.
bool sameInConstantTime(QByteArrayView a, QByteArrayView b) {
    unsigned char difference = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < a.size(); ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i % std::max<qsizetype>(1, b.size())]);
    }
    return difference == 0;
}

QByteArray shown(QByteArrayView text) {
    return text.first(std::min<qsizetype>(text.size(), 40)).toByteArray();
}

// The headers that decide how a request is framed and answered.
struct FramingHeaders {
    int contentLengths = 0, transferEncodings = 0, lines = 0;
    QByteArray contentLength, transferEncoding, connection, authorization;
    std::optional<QByteArray> malformed; // the first line that is not "name: value"

    void add(QByteArrayView line) {
        ++lines;
        const auto colon = line.indexOf(':');
        if (line.startsWith(' ') || line.startsWith('\t') || colon <= 0 ||
            !isToken(line.first(colon))) {
            malformed = malformed.value_or(shown(line));
            return;
        }
        const auto name = line.first(colon).toByteArray().toLower();
        const auto value = line.sliced(colon + 1).trimmed().toByteArray();
        if (name == "content-length") {
            ++contentLengths;
            contentLength = value;
        } else if (name == "transfer-encoding") {
            ++transferEncodings;
            transferEncoding = value;
        } else if (name == "connection") {
            connection += ',' + value.toLower();
        } else if (name == "authorization") {
            authorization = value;
        }
    }
    bool connectionSays(QByteArrayView option) const {
        const auto options = connection.split(',');
        return std::any_of(options.begin(), options.end(),
                           [&](const QByteArray& o) { return o.trimmed() == option; });
    }
};

// Reads up to and including the next '\n' into `line`; true once it is whole.
bool takeLine(QByteArrayView& bytes, QByteArray& line) {
    const auto newline = bytes.indexOf('\n');
    const auto take = newline < 0 ? bytes.size() : newline + 1;
    line.append(bytes.first(take));
    bytes = bytes.sliced(take);
    return newline >= 0;
}

QByteArrayView withoutLineEnd(QByteArrayView line) {
    while (!line.isEmpty() && (line.endsWith('\n') || line.endsWith('\r'))) {
        line.chop(1);
    }
    return line;
}

} // namespace

RequestFramer::RequestFramer(FramingLimits limits)
    : limits_(std::move(limits)) {}

std::optional<bool> RequestFramer::takeCloseAfter() {
    if (closeAfter_.empty()) {
        return std::nullopt;
    }
    const bool close = closeAfter_.front();
    closeAfter_.pop_front();
    return close;
}

std::optional<FramingRefusal> RequestFramer::refuse(int status, QByteArray reason) {
    state_ = State::Refused;
    head_.clear();
    line_.clear();
    return FramingRefusal{status, std::move(reason), path_};
}

std::optional<FramingRefusal> RequestFramer::feed(QByteArrayView bytes) {
    while (!bytes.isEmpty()) {
        std::optional<FramingRefusal> refusal;
        switch (state_) {
        case State::Refused:
            return std::nullopt; // answered already
        case State::Head:
            refusal = feedHead(bytes);
            break;
        case State::Body:
        case State::ChunkData: {
            const auto take = std::min<qint64>(remaining_, bytes.size());
            remaining_ -= take;
            bytes = bytes.sliced(take);
            if (remaining_ == 0) {
                state_ = state_ == State::Body ? State::Head : State::ChunkEnd;
            }
            break;
        }
        case State::ChunkSize:
        case State::ChunkEnd:
        case State::Trailers:
            refusal = feedChunkLine(bytes);
            break;
        }
        if (refusal) {
            return refusal;
        }
    }
    return std::nullopt;
}

// Gathers the head up to its blank line, within the limit; blank lines before
// a request are skipped, as RFC 9112 allows.
std::optional<FramingRefusal> RequestFramer::feedHead(QByteArrayView& bytes) {
    if (head_.isEmpty()) {
        while (!bytes.isEmpty() && (bytes.front() == '\r' || bytes.front() == '\n')) {
            bytes = bytes.sliced(1);
        }
        if (bytes.isEmpty()) {
            return std::nullopt;
        }
    }
    const auto before = head_.size();
    const auto room = limits_.maxHeadBytes + 4 - before; // the blank line may end past it
    head_.append(bytes.first(std::min<qint64>(bytes.size(), room + 1)));
    for (auto i = std::max<qsizetype>(0, before - 3); i < head_.size(); ++i) {
        if (head_[i] != '\n') {
            continue;
        }
        const auto next = i + 1 < head_.size() && head_[i + 1] == '\r' ? i + 2 : i + 1;
        if (next < head_.size() && head_[next] == '\n') { // "\n\n" or "\n\r\n": the end
            head_.truncate(next + 1);
            bytes = bytes.sliced(head_.size() - before);
            return parseHead();
        }
    }
    bytes = bytes.sliced(head_.size() - before);
    if (head_.size() > limits_.maxHeadBytes) {
        return refuse(431, "Request head longer than " + QByteArray::number(limits_.maxHeadBytes) +
                               " bytes");
    }
    return std::nullopt;
}

std::optional<FramingRefusal> RequestFramer::parseHead() {
    const auto lines = head_.split('\n');
    const auto requestLine = withoutLineEnd(lines.front()).toByteArray().split(' ');
    path_ = requestLine.value(1);
    if (requestLine.size() != 3 || !isToken(requestLine[0]) || path_.isEmpty()) {
        path_.clear();
        return refuse(400, "Not an HTTP request");
    }
    const auto& version = requestLine[2];
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return version.startsWith("HTTP/") ? refuse(505, "HTTP version " + shown(version) +
                                                             " is not supported (1.0 and 1.1 are)")
                                           : refuse(400, "Not an HTTP request");
    }
    FramingHeaders headers;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        if (const auto line = withoutLineEnd(lines[i]); !line.isEmpty()) {
            headers.add(line);
        }
    }
    if (headers.lines > limits_.maxHeaders) {
        return refuse(431, "More than " + QByteArray::number(limits_.maxHeaders) + " headers");
    }
    if (headers.malformed) {
        return refuse(400, "Malformed header line '" + *headers.malformed + "'");
    }
    if (headers.contentLengths > 1 || headers.transferEncodings > 1) {
        return refuse(400, headers.contentLengths > 1 ? "Content-Length given more than once"
                                                      : "Transfer-Encoding given more than once");
    }
    const bool chunked = headers.transferEncodings == 1;
    if (chunked && headers.contentLengths == 1) {
        return refuse(400, "Transfer-Encoding and Content-Length together");
    }
    if (chunked && headers.transferEncoding.toLower() != "chunked") {
        return refuse(501, "Transfer-Encoding '" + shown(headers.transferEncoding) +
                               "' is not supported (only chunked)");
    }
    qint64 length = 0;
    if (headers.contentLengths == 1) {
        if (!allDigits(headers.contentLength, 18)) {
            return refuse(400, "Content-Length '" + shown(headers.contentLength) +
                                   "' is not a whole number of bytes");
        }
        length = headers.contentLength.toLongLong();
        if (length > limits_.maxBodyBytes) {
            return refuse(413, "Body of " + QByteArray::number(length) +
                                   " bytes exceeds the limit of " +
                                   QByteArray::number(limits_.maxBodyBytes) + " bytes");
        }
    }
    if ((chunked || length > 0) && !limits_.token.isEmpty() &&
        !sameInConstantTime(headers.authorization, "Bearer " + limits_.token)) {
        return refuse(401, "Missing or wrong bearer token");
    }
    closeAfter_.push_back(headers.connectionSays("close") ||
                          (version == "HTTP/1.0" && !headers.connectionSays("keep-alive")));
    head_.clear();
    bodyBytes_ = 0;
    remaining_ = length;
    state_ = chunked ? State::ChunkSize : length > 0 ? State::Body : State::Head;
    return std::nullopt;
}

// A chunk-size line, the line end after a chunk's data, or a trailer line.
std::optional<FramingRefusal> RequestFramer::feedChunkLine(QByteArrayView& bytes) {
    const bool whole = takeLine(bytes, line_);
    const bool trailers = state_ == State::Trailers;
    if (trailers ? trailerBytes_ + line_.size() > limits_.maxHeadBytes
                 : line_.size() > kMaxChunkLine) {
        return trailers ? refuse(431, "Trailers longer than the head limit")
                        : refuse(400, "Chunk line longer than 1024 bytes");
    }
    if (!whole) {
        return std::nullopt;
    }
    const auto line = withoutLineEnd(line_).toByteArray();
    trailerBytes_ += line_.size();
    line_.clear();
    if (state_ == State::ChunkEnd) {
        state_ = State::ChunkSize;
        return line.isEmpty() ? std::nullopt : refuse(400, "Chunk longer than its size");
    }
    if (trailers) {
        state_ = line.isEmpty() ? State::Head : State::Trailers; // a blank line ends it
        return std::nullopt;
    }
    const auto extensions = line.indexOf(';');
    const auto size = (extensions < 0 ? line : line.first(extensions)).trimmed();
    const bool hex =
        !size.isEmpty() && size.size() <= 15 && std::all_of(size.begin(), size.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        });
    if (!hex) {
        return refuse(400, "Chunk size '" + shown(size) + "' is not a hexadecimal number");
    }
    const qint64 chunk = size.toLongLong(nullptr, 16);
    bodyBytes_ += chunk;
    if (bodyBytes_ > limits_.maxBodyBytes) {
        return refuse(413, "Body of at least " + QByteArray::number(bodyBytes_) +
                               " bytes exceeds the limit of " +
                               QByteArray::number(limits_.maxBodyBytes) + " bytes");
    }
    remaining_ = chunk;
    trailerBytes_ = 0;
    state_ = chunk == 0 ? State::Trailers : State::ChunkData;
    return std::nullopt;
}

} // namespace dredge
