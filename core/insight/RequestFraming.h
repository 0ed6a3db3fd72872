#pragma once
// The HTTP/1.x framing of the requests on one connection, checked as the bytes
// arrive and before Qt HTTP Server reads them: Qt HTTP Server 6.4 buffers a
// whole request (any framing, any size) before its handler sees it, so the
// insight server's limits must hold here. Every request's head is bounded in
// bytes and lines; its body is bounded as it arrives, whether framed by
// Content-Length or chunked; ambiguous framing (Transfer-Encoding with
// Content-Length, a repeated or signed Content-Length) and unknown transfer
// codings are refused; a request with a body must carry the token (when one
// is set) before any of its body is read. Plain bytes in, a verdict out: the
// HTTP fuzz target drives it directly.

#include <QByteArray>
#include <QByteArrayView>
#include <deque>
#include <optional>

namespace dredge {

struct FramingLimits {
    qint64 maxHeadBytes = 16 * 1024; // request line and headers, and a chunked body's trailers
    int maxHeaders = 100;
    qint64 maxBodyBytes = 1 << 20;
    QByteArray token; // non-empty: a request with a body needs "Authorization: Bearer TOKEN"
};

// Why the connection is answered and closed: the status and its reason.
struct FramingRefusal {
    int status = 400;
    QByteArray reason;
    QByteArray path; // the request's, when its request line was read (for the metrics)
};

class RequestFramer {
public:
    explicit RequestFramer(FramingLimits limits);

    // The next bytes of the connection. A refusal ends the framing: the
    // connection is answered and closed, nothing further is read.
    std::optional<FramingRefusal> feed(QByteArrayView bytes);

    // A request's head has begun and is not complete (the header-read timeout runs).
    bool readingHead() const { return state_ == State::Head && !head_.isEmpty(); }
    // Nothing of a next request yet: the connection is idle between requests.
    bool betweenRequests() const { return state_ == State::Head && head_.isEmpty(); }
    // For each request whose head was accepted, in order: whether the
    // connection closes once it is answered (HTTP/1.0 without keep-alive,
    // or "Connection: close").
    std::optional<bool> takeCloseAfter();

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkEnd, Trailers, Refused };

    std::optional<FramingRefusal> feedHead(QByteArrayView& bytes);
    std::optional<FramingRefusal> parseHead();
    std::optional<FramingRefusal> feedChunkLine(QByteArrayView& bytes);
    std::optional<FramingRefusal> refuse(int status, QByteArray reason);

    FramingLimits limits_;
    State state_ = State::Head;
    QByteArray head_; // the request's head so far
    QByteArray line_; // a chunk-size line, a chunk's line end or a trailer so far
    qint64 trailerBytes_ = 0;
    QByteArray path_;      // the current request's target
    qint64 remaining_ = 0; // body or chunk bytes still to come
    qint64 bodyBytes_ = 0; // a chunked body's decoded bytes so far
    std::deque<bool> closeAfter_;
};

} // namespace dredge
