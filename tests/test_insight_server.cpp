// The insight server over real HTTP on 127.0.0.1 (docs/reference.md §5): ids against an
// independent SHA-256, the batch endpoint, metrics, every error status, tokens,
// and malformed traffic on raw sockets. The server runs in its own thread: the
// raw-socket tests block this thread while it answers.
//
// Threads and ThreadSanitizer: start/stop reach the server thread as queued
// calls and the destructor joins it with a blocking one (Qt's event loop, not
// built with TSan in Debian, so this suite does not run under it). What the
// server thread shares with others outside Qt - the cache, ServerMetrics, the
// listening port (an atomic) - is checked on plain std::threads by
// test_insight_threads and test_lru_cache, which the tsan preset runs.

#include "InsightServer.h"
#include "KeptModel.h"
#include "RequestFraming.h"
#include "RunStore.h"
#include "ScratchFolder.h"
#include "StudioProcess.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <functional>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace dredge;

namespace {

struct Response {
    int status = 0;
    QByteArray body;
    QNetworkReply::RawHeaderPair dummy;
    QMap<QByteArray, QByteArray> headers;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

QByteArray sha256Hex(const QString& text) {
    return QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex();
}

// Up to maxLength code points (an emoji takes two UTF-16 units: never cut the
// result with QString::left, which can split a pair into lone surrogates).
QString randomText(QRandomGenerator& rng, int maxLength = 120) {
    QString text;
    const int length = int(rng.bounded(0, maxLength));
    for (int i = 0; i < length; ++i) {
        char32_t c = 0;
        switch (rng.bounded(4)) {
        case 0:
            c = char32_t(rng.bounded(0x20, 0x7f)); // ASCII
            break;
        case 1:
            c = char32_t(rng.bounded(0xa0, 0x800)); // two-byte UTF-8
            break;
        case 2:
            c = char32_t(rng.bounded(0x3000, 0xd7ff)); // CJK and more, below surrogates
            break;
        default:
            c = char32_t(rng.bounded(0x1f300, 0x1f6ff)); // emoji, four-byte UTF-8
        }
        text += QString::fromUcs4(&c, 1);
    }
    return text;
}

class Client {
public:
    explicit Client(quint16 port)
        : port_(port) {}

    Response send(const QByteArray& method, const QString& path, const QByteArray& body = {},
                  const QByteArray& contentType = "application/json",
                  const QByteArray& authorization = {}) {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port_).arg(path)));
        if (!contentType.isEmpty()) {
            request.setRawHeader("Content-Type", contentType);
        }
        if (!authorization.isEmpty()) {
            request.setRawHeader("Authorization", authorization);
        }
        QNetworkReply* reply = nam_.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished()) {
            finished.wait(20000);
        }
        Response r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        for (const auto& [name, value] : reply->rawHeaderPairs()) {
            r.headers.insert(name.toLower(), value);
        }
        reply->deleteLater();
        return r;
    }
    Response get(const QString& path) { return send("GET", path, {}, {}); }
    Response lift(const QJsonObject& object) {
        return send("POST", QStringLiteral("/lift"), QJsonDocument(object).toJson());
    }

private:
    quint16 port_;
    QNetworkAccessManager nam_;
};

// Sends raw bytes and returns what the server answers: until it has sent
// `responses` status lines, closes the connection, or stays silent for a second.
QByteArray rawExchange(quint16 port, const QByteArray& bytes, int responses = 1) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(10000)) {
        return "no connection";
    }
    socket.write(bytes);
    socket.waitForBytesWritten(10000);
    QByteArray answer;
    while (answer.count("HTTP/1.1 ") < responses && socket.waitForReadyRead(1000)) {
        answer += socket.readAll();
    }
    return answer + socket.readAll();
}

// One raw connection: what was answered so far, and whether the server closed it.
struct RawConnection {
    QTcpSocket socket;
    QByteArray answer;
    explicit RawConnection(quint16 port) {
        socket.connectToHost(QHostAddress::LocalHost, port);
        socket.waitForConnected(10000);
    }
    void send(const QByteArray& bytes) {
        socket.write(bytes);
        socket.waitForBytesWritten(10000);
    }
    // Reads until `statusLines` answers have come or the server closed; false
    // when neither happened within the time.
    bool awaitAnswers(int statusLines, int ms = 10000) {
        QDeadlineTimer deadline(ms);
        while (answer.count("HTTP/1.1 ") < statusLines && !deadline.hasExpired() &&
               socket.state() == QAbstractSocket::ConnectedState) {
            socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
            answer += socket.readAll();
        }
        answer += socket.readAll();
        return answer.count("HTTP/1.1 ") >= statusLines;
    }
    bool closedByServer(int ms = 10000) {
        if (socket.state() == QAbstractSocket::UnconnectedState) {
            return true;
        }
        QDeadlineTimer deadline(ms);
        while (socket.state() != QAbstractSocket::UnconnectedState && !deadline.hasExpired()) {
            socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
            answer += socket.readAll();
        }
        return socket.state() == QAbstractSocket::UnconnectedState;
    }
};

// The framer's verdict on a whole byte stream, fed in pieces of `piece` bytes
// (0: at once): the status of its refusal, or 0.
std::pair<int, QByteArray> framingVerdict(const QByteArray& bytes, qsizetype piece,
                                          FramingLimits limits = {}) {
    RequestFramer framer(limits);
    const qsizetype step = piece > 0 ? piece : std::max<qsizetype>(1, bytes.size());
    for (qsizetype at = 0; at < bytes.size(); at += step) {
        if (const auto refusal = framer.feed(
                QByteArrayView(bytes).sliced(at).first(std::min(step, bytes.size() - at)))) {
            return {refusal->status, refusal->reason};
        }
    }
    return {0, {}};
}

QByteArray oversizedPost(qsizetype length) {
    return "POST /lift HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           QByteArray::number(length) + "\r\n\r\n";
}

// A blocking POSIX client that writes everything before reading anything, as
// Python's http.client and requests do. It runs on this thread while the server
// answers on its own.
struct BlockingExchange {
    bool sentAll = false;
    bool closedCleanly = false; // the server's FIN, not a reset, ended the answer
    QByteArray answer;
    QString failure;

    static BlockingExchange run(quint16 port, const QByteArray& head, const QByteArray& body) {
        BlockingExchange result;
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval timeout{20, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            result.failure = QString::fromLocal8Bit(strerror(errno));
            ::close(fd);
            return result;
        }
        result.sentAll = sendAll(fd, head, &result.failure) && sendAll(fd, body, &result.failure);
        char buffer[4096];
        for (;;) {
            const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got > 0) {
                result.answer.append(buffer, got);
                continue;
            }
            result.closedCleanly = got == 0;
            break;
        }
        ::close(fd);
        return result;
    }

    static bool sendAll(int fd, const QByteArray& bytes, QString* failure) {
        for (qsizetype sent = 0; sent < bytes.size();) {
            const ssize_t n =
                ::send(fd, bytes.constData() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL);
            if (n < 0) {
                *failure = QString::fromLocal8Bit(strerror(errno)).toLower();
                return false;
            }
            sent += n;
        }
        return true;
    }
};

struct RunningServer {
    std::unique_ptr<InsightServer> server = std::make_unique<InsightServer>();
    quint16 port = 0;
    QString failure;

    bool start(InsightServerOptions options) {
        options.logRequests = false;
        QSignalSpy listening(server.get(), &InsightServer::listening);
        QSignalSpy failed(server.get(), &InsightServer::startFailed);
        server->start(options);
        if (!QTest::qWaitFor([&] { return !listening.isEmpty() || !failed.isEmpty(); }, 20000)) {
            failure = QStringLiteral("no answer from the server thread");
            return false;
        }
        if (!failed.isEmpty()) {
            failure = failed.at(0).at(0).toString();
            return false;
        }
        if (listening.isEmpty()) {
            return false;
        }
        port = listening.at(0).at(1).value<quint16>();
        return true;
    }
};

InsightServerOptions onFreePort() {
    InsightServerOptions o;
    o.port = 0;
    return o;
}

// A server of a test's own on a free port, the defaults changed by `change`;
// null when it did not start.
std::unique_ptr<RunningServer>
startedWith(const std::function<void(InsightServerOptions&)>& change) {
    auto options = onFreePort();
    change(options);
    auto server = std::make_unique<RunningServer>();
    return server->start(options) ? std::move(server) : nullptr;
}

} // namespace

// Two trained runs in a store of the suite's own, and a server reading it
// (/predict and /runs): the chirp ensemble and SIREN on the 4-D grid.
struct LabFixture {
    ScratchFolder scratch;
    QString storeUrl;
    QString ensemble, siren; // full run ids
    RunningServer server;

    QString train(const QStringList& arguments) {
        const auto outcome =
            runStudioProcess(QStringList{QStringLiteral("train")} + arguments, storeUrl);
        return QJsonDocument::fromJson(outcome.out)[QStringLiteral("run_id")].toString();
    }
    bool start() {
        storeUrl = scratch.freshStore();
        ensemble = train({QStringLiteral("--epochs"), QStringLiteral("30")});
        siren = train({QStringLiteral("--epochs"), QStringLiteral("20"), QStringLiteral("--model"),
                       QStringLiteral("siren"), QStringLiteral("--hidden"), QStringLiteral("16"),
                       QStringLiteral("--data"), QStringLiteral("volume4d"),
                       QStringLiteral("--grid"), QStringLiteral("6")});
        auto options = onFreePort();
        options.store = parseStoreUrl(storeUrl, nullptr);
        options.maxPredictPoints = 2000;
        return !ensemble.isEmpty() && !siren.isEmpty() && server.start(options);
    }
    // The app's own prediction of RUN[@EPOCH] at these points, from the store.
    std::vector<float> appPrediction(const QString& spec, const std::vector<float>& coords) {
        RunStore store;
        QString error;
        const auto location = parseStoreUrl(storeUrl, &error);
        if (!location || !store.open(*location, &error)) {
            return {};
        }
        const auto model = loadKeptModel(store, spec, &error);
        return model ? model->evaluator->predict(coords) : std::vector<float>{};
    }
};

QByteArray predictBody(const QString& run, const QJsonArray& points, const QJsonObject& more = {}) {
    QJsonObject body = more;
    body.insert(QStringLiteral("run"), run);
    body.insert(QStringLiteral("points"), points);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

// N points of D coordinates spread over [−1, 1] (and beyond, for the chirp).
QJsonArray spreadPoints(int n, int dims, double scale) {
    QJsonArray points;
    for (int i = 0; i < n; ++i) {
        QJsonArray point;
        for (int d = 0; d < dims; ++d) {
            point.append(scale * std::sin(0.37 * i + 1.3 * d));
        }
        points.append(point);
    }
    return points;
}

std::vector<float> coordsOf(const QJsonArray& points) {
    std::vector<float> coords;
    for (const auto& point : points) {
        for (const auto& x : point.toArray()) {
            coords.push_back(float(x.toDouble()));
        }
    }
    return coords;
}

class TestInsightServer : public QObject {
    Q_OBJECT

private:
    RunningServer main_;
    LabFixture lab_;

private Q_SLOTS:
    void initTestCase() {
        auto options = onFreePort();
        options.maxBodyBytes = 4096;
        QVERIFY2(main_.start(options), qPrintable(main_.failure));
        QVERIFY(main_.port != 0);
    }

    void predictionsAreTheAppsOwn_data() {
        QTest::addColumn<bool>("siren");
        QTest::addColumn<int>("epoch"); // -1: the end model
        QTest::newRow("ensemble, end model") << false << -1;
        QTest::newRow("ensemble at epoch 10") << false << 10;
        QTest::newRow("siren 4-D at epoch 7") << true << 7;
    }

    // Over real HTTP, the values are the app's prediction for that epoch bit
    // for bit (each float is written in its shortest exact form).
    void predictionsAreTheAppsOwn() {
        QFETCH(bool, siren);
        QFETCH(int, epoch);
        if (lab_.ensemble.isEmpty()) {
            QVERIFY2(lab_.start(), qPrintable(lab_.server.failure));
        }
        const auto& id = siren ? lab_.siren : lab_.ensemble;
        const int dims = siren ? 3 : 1;
        const auto points = spreadPoints(300, dims, siren ? 1.0 : 10.0);
        QJsonObject more;
        if (epoch >= 0) {
            more.insert(QStringLiteral("epoch"), epoch);
        }
        Client client(lab_.server.port);
        const auto reply = client.send("POST", "/predict", predictBody(id.left(8), points, more));
        QCOMPARE(reply.status, 200);
        const auto json = reply.json();
        QCOMPARE(json["run"].toString(), id);
        QCOMPARE(json["epoch"].toInt(), epoch >= 0 ? epoch : (siren ? 20 : 30));
        QCOMPARE(json["end_model"].toBool(), epoch < 0);
        QCOMPARE(json["model"].toString(),
                 siren ? QStringLiteral("siren") : QStringLiteral("wave-ensemble"));
        QCOMPARE(json["precision"].toString(), QStringLiteral("float32"));
        const auto values = json["values"].toArray();
        QCOMPARE(values.size(), points.size());
        const auto spec = epoch >= 0 ? id + u'@' + QString::number(epoch) : id;
        const auto app = lab_.appPrediction(spec, coordsOf(points));
        QCOMPARE(app.size(), size_t(values.size()));
        for (qsizetype i = 0; i < values.size(); ++i) {
            QCOMPARE(float(values[i].toArray().at(0).toDouble()), app[size_t(i)]);
        }
    }

    void int8PredictionsStayClose() {
        QVERIFY(!lab_.ensemble.isEmpty());
        const auto points = spreadPoints(200, 1, 10.0);
        Client client(lab_.server.port);
        const auto reply =
            client.send("POST", "/predict",
                        predictBody(lab_.ensemble, points, {{QStringLiteral("int8"), true}}));
        if (reply.status == 501) {
            QSKIP(reply.body.constData()); // a LibTorch without a quantised engine
        }
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.json()["precision"].toString(), QStringLiteral("int8"));
        const auto app = lab_.appPrediction(lab_.ensemble, coordsOf(points));
        const auto values = reply.json()["values"].toArray();
        double difference = 0, norm = 0;
        for (qsizetype i = 0; i < values.size(); ++i) {
            const double d = values[i].toArray().at(0).toDouble() - double(app[size_t(i)]);
            difference += d * d;
            norm += double(app[size_t(i)]) * app[size_t(i)];
        }
        const double relative = std::sqrt(difference / norm);
        QVERIFY2(relative > 0 && relative < 0.01, qPrintable(QString::number(relative)));
    }

    void predictErrorsNameTheField_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("says");
        const auto body = [this](const QString& run, const QJsonArray& points,
                                 const QJsonObject& more = {}) {
            return predictBody(run, points, more);
        };
        // (QJsonValue(...): a braced QJsonArray in braces would copy, not nest.)
        const QJsonArray one{QJsonValue(QJsonArray{0.5})};
        QTest::newRow("unknown run") << body("abcdef12", one) << 404 << "Unknown run";
        QTest::newRow("not an id") << body("run-1!", one) << 400 << "not a run id";
        QTest::newRow("no run") << QByteArray("{\"points\": [[1]]}") << 400 << "field: run";
        QTest::newRow("no points") << QByteArray("{\"run\": \"ab\"}") << 400 << "field: points";
        QTest::newRow("points not arrays") << body(lab_.ensemble, {1, 2}) << 400 << "points[0]";
        QTest::newRow("two coordinates for a 1-D run")
            << body(lab_.ensemble, {QJsonArray{0.5}, QJsonArray{0.5, 1.0}}) << 400
            << "points[1] must be an array of 1 coordinate";
        QTest::newRow("a string coordinate")
            << body(lab_.ensemble, QJsonArray{QJsonValue(QJsonArray{QStringLiteral("x")})}) << 400
            << "points[0][0] must be a number";
        QTest::newRow("infinite coordinate")
            << QByteArray("{\"run\": \"" + lab_.ensemble.toUtf8() + "\", \"points\": [[1e999]]}")
            << 400 << "Malformed JSON";
        QTest::newRow("NaN coordinate")
            << QByteArray("{\"run\": \"" + lab_.ensemble.toUtf8() + "\", \"points\": [[NaN]]}")
            << 400 << "Malformed JSON";
        QTest::newRow("beyond float32")
            << body(lab_.ensemble, QJsonArray{QJsonValue(QJsonArray{1e300})}) << 400
            << "not a finite float32";
        QTest::newRow("t of the wrong length")
            << body(lab_.ensemble, one, {{QStringLiteral("t"), QJsonArray{0, 1}}}) << 400
            << "t must be an array of 1";
        QTest::newRow("fractional epoch")
            << body(lab_.ensemble, one, {{QStringLiteral("epoch"), 1.5}}) << 400 << "epoch must";
        QTest::newRow("epoch past the end")
            << body(lab_.ensemble, one, {{QStringLiteral("epoch"), 31}}) << 404 << "past its end";
        QTest::newRow("int8 not a flag")
            << body(lab_.ensemble, one, {{QStringLiteral("int8"), QStringLiteral("yes")}}) << 400
            << "int8 must be true or false";
        QTest::newRow("too many points")
            << body(lab_.ensemble, spreadPoints(2001, 1, 1.0)) << 413 << "at most 2000 points";
    }

    void predictErrorsNameTheField() {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, says);
        QVERIFY(!lab_.ensemble.isEmpty());
        Client client(lab_.server.port);
        const auto reply = client.send("POST", "/predict", body);
        QCOMPARE(reply.status, status);
        QCOMPARE(reply.headers.value("content-type"), QByteArray("application/json"));
        QVERIFY2(reply.json()["error"].toString().contains(says), reply.body.constData());
    }

    void runsAreReadOnlyJsonViews() {
        QVERIFY(!lab_.ensemble.isEmpty());
        Client client(lab_.server.port);
        const auto all = client.get("/runs");
        QCOMPARE(all.status, 200);
        QCOMPARE(QJsonDocument::fromJson(all.body).array().size(), 2);
        const auto sirens = client.get("/runs?filter=siren");
        const auto filtered = QJsonDocument::fromJson(sirens.body).array();
        QCOMPARE(filtered.size(), 1);
        QCOMPARE(filtered[0].toObject()["id"].toString(), lab_.siren);

        const auto summary = client.get("/runs/" + lab_.ensemble.left(6));
        QCOMPARE(summary.status, 200);
        QCOMPARE(summary.json()["id"].toString(), lab_.ensemble);
        QVERIFY(!summary.json().contains("loss_history")); // bulky arrays only when asked
        QCOMPARE(summary.json()["kept_parameters"].toObject()["last_epoch"].toInt(), 30);
        const auto full = client.get("/runs/" + lab_.ensemble + "?series=1");
        QCOMPARE(full.json()["loss_history"].toArray().size(), 30);

        const auto losses = client.get("/runs/" + lab_.ensemble + "/losses?from=5&to=10");
        QCOMPARE(losses.status, 200);
        QCOMPARE(losses.json()["from"].toInt(), 5);
        QCOMPARE(losses.json()["to"].toInt(), 10);
        QCOMPARE(losses.json()["epochs_done"].toInt(), 30);
        const auto some = losses.json()["loss"].toArray();
        QCOMPARE(some.size(), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(some[i].toDouble(), full.json()["loss_history"].toArray()[5 + i].toDouble());
        }
        QCOMPARE(client.get("/runs/" + lab_.ensemble + "/losses?from=25&to=99")
                     .json()["loss"]
                     .toArray()
                     .size(),
                 5);
        QCOMPARE(client.get("/runs/" + lab_.ensemble + "/losses?from=-1").status, 400);
        QCOMPARE(client.get("/runs/abcdef99").status, 404);
        QCOMPARE(client.get("/runs/" + lab_.ensemble + "/weights").status, 404);
        QCOMPARE(client.send("DELETE", "/runs/" + lab_.ensemble).status, 405);
        QCOMPARE(client.get("/predict").status, 405);
    }

    void modelsAreCachedAndCounted() {
        QVERIFY(!lab_.ensemble.isEmpty());
        Client client(lab_.server.port);
        const auto metric = [&client](const QByteArray& name) {
            for (const auto& line : client.get("/metrics").body.split('\n')) {
                if (line.startsWith(name + ' ')) {
                    return line.mid(name.size() + 1).toLongLong();
                }
            }
            return qlonglong(-1);
        };
        const auto body =
            predictBody(lab_.ensemble, spreadPoints(10, 1, 1.0), {{QStringLiteral("epoch"), 3}});
        QCOMPARE(client.send("POST", "/predict", body).status, 200);
        const auto hits = metric("dredge_insight_model_cache_hits_total");
        const auto points = metric("dredge_insight_predicted_points_total");
        QCOMPARE(client.send("POST", "/predict", body).status, 200);
        QCOMPARE(metric("dredge_insight_model_cache_hits_total"), hits + 1);
        QCOMPARE(metric("dredge_insight_predicted_points_total"), points + 10);
        QVERIFY(metric("dredge_insight_model_cache_entries") >= 1);
    }

    void aServerWithoutAStoreSaysSo() {
        Client client(main_.port);
        const auto reply = client.send("POST", "/predict",
                                       predictBody("ab", QJsonArray{QJsonValue(QJsonArray{1})}));
        QCOMPARE(reply.status, 404);
        QVERIFY2(reply.json()["error"].toString().contains("no run store"), reply.body.constData());
        QCOMPARE(client.get("/runs").status, 404);
    }

    void predictNeedsTheTokenToo() {
        auto options = onFreePort();
        options.token = "s3cret-token";
        options.store = parseStoreUrl(lab_.storeUrl, nullptr);
        RunningServer server;
        QVERIFY(server.start(options));
        Client client(server.port);
        const auto body = predictBody(lab_.ensemble, QJsonArray{QJsonValue(QJsonArray{1})});
        QCOMPARE(client.send("POST", "/predict", body).status, 401);
        QCOMPARE(client.get("/runs").status, 401);
        QCOMPARE(
            client.send("POST", "/predict", body, "application/json", "Bearer s3cret-token").status,
            200);
    }

    void describesItself() {
        Client client(main_.port);
        const auto root = client.get("/");
        QCOMPARE(root.status, 200);
        QCOMPARE(root.headers.value("content-type"), QByteArray("application/json"));
        QVERIFY(root.json()["name"].toString().contains("insight"));
        QVERIFY(root.json()["endpoints"].toObject().contains("POST /lift"));
        const auto health = client.get("/health");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json()["status"].toString(), QString("healthy"));
        QCOMPARE(health.json()["version"].toString(), QString(DREDGE_VERSION));
    }

    void liftIdsAreTheSha256OfTheUtf8Text() {
        Client client(main_.port);
        QRandomGenerator rng(2026);
        QStringList texts = {QString(), QStringLiteral("hello"), QStringLiteral("naïve café ☕"),
                             QStringLiteral("line\nbreak\t\"quoted\" \\ slash")};
        for (int i = 0; i < 150; ++i) {
            texts << randomText(rng);
        }
        for (const auto& text : texts) {
            const auto r = client.lift({{"insight_text", text}});
            QCOMPARE(r.status, 200);
            const auto json = r.json();
            QCOMPARE(json["id"].toString().toLatin1(), sha256Hex(text));
            QCOMPARE(json["text"].toString(), text); // exactly as sent
            QCOMPARE(json["lifted"].toBool(), true);
            QVERIFY(!json["message"].toString().isEmpty());
        }
        QCOMPARE(client.lift({{"insight_text", "hello"}}).json()["id"].toString(),
                 QString("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
    }

    void repeatedInsightsHitTheCache() {
        Client client(main_.port);
        const auto before = main_.server->cacheStats();
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(client.lift({{"insight_text", "cached insight"}}).status, 200);
        }
        const auto after = main_.server->cacheStats();
        QCOMPARE(after.misses - before.misses, uint64_t(1));
        QCOMPARE(after.hits - before.hits, uint64_t(4));
    }

    void batchLiftsInOrder() {
        Client client(main_.port);
        QJsonArray insights;
        QRandomGenerator rng(7);
        for (int i = 0; i < 40; ++i) {
            insights.append(randomText(rng, 12)); // stays under this server's 4 KiB limit
        }
        const auto r = client.send("POST", "/lift/batch",
                                   QJsonDocument(QJsonObject{{"insights", insights}}).toJson());
        QCOMPARE(r.status, 200);
        const auto results = r.json()["results"].toArray();
        QCOMPARE(results.size(), insights.size());
        for (qsizetype i = 0; i < results.size(); ++i) {
            const auto item = results.at(i).toObject();
            QCOMPARE(item["text"].toString(), insights.at(i).toString());
            QCOMPARE(item["id"].toString().toLatin1(), sha256Hex(insights.at(i).toString()));
        }
    }

    void errorsAreJsonWithTheRightStatus_data() {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        const QByteArray json = "application/json";
        QTest::newRow("malformed JSON")
            << QByteArray("POST") << "/lift" << QByteArray("{\"insight_text\": ") << json << 400
            << "Malformed JSON";
        QTest::newRow("not an object") << QByteArray("POST") << "/lift" << QByteArray("[1, 2]")
                                       << json << 400 << "must be a JSON object";
        QTest::newRow("empty body")
            << QByteArray("POST") << "/lift" << QByteArray() << json << 400 << "Malformed JSON";
        QTest::newRow("missing field")
            << QByteArray("POST") << "/lift" << QByteArray("{\"text\": \"x\"}") << json << 400
            << "Missing required field: insight_text";
        QTest::newRow("number text")
            << QByteArray("POST") << "/lift" << QByteArray("{\"insight_text\": 42}") << json << 400
            << "insight_text must be a string";
        QTest::newRow("null text")
            << QByteArray("POST") << "/lift" << QByteArray("{\"insight_text\": null}") << json
            << 400 << "must be a string";
        QTest::newRow("wrong content type")
            << QByteArray("POST") << "/lift" << QByteArray("{\"insight_text\": \"x\"}")
            << QByteArray("text/plain") << 415 << "Content-Type";
        QTest::newRow("GET on /lift")
            << QByteArray("GET") << "/lift" << QByteArray() << QByteArray() << 405 << "not allowed";
        QTest::newRow("DELETE on /health") << QByteArray("DELETE") << "/health" << QByteArray()
                                           << QByteArray() << 405 << "not allowed";
        QTest::newRow("PUT on /lift/batch") << QByteArray("PUT") << "/lift/batch"
                                            << QByteArray("{}") << json << 405 << "not allowed";
        QTest::newRow("unknown path") << QByteArray("GET") << "/nowhere" << QByteArray()
                                      << QByteArray() << 404 << "Not found";
        QTest::newRow("body over limit") << QByteArray("POST") << "/lift" << QByteArray(5000, 'x')
                                         << json << 413 << "exceeds the limit";
        QTest::newRow("batch not array")
            << QByteArray("POST") << "/lift/batch" << QByteArray("{\"insights\": \"x\"}") << json
            << 400 << "must be an array";
        QTest::newRow("batch item not string")
            << QByteArray("POST") << "/lift/batch" << QByteArray("{\"insights\": [\"a\", 3]}")
            << json << 400 << "insights[1]";
        QTest::newRow("batch missing") << QByteArray("POST") << "/lift/batch" << QByteArray("{}")
                                       << json << 400 << "Missing required field: insights";
        // Text that is not Unicode: a surrogate half without its partner.
        QTest::newRow("lone high surrogate")
            << QByteArray("POST") << "/lift" << QByteArray(R"({"insight_text": "\ud800"})") << json
            << 400 << "insight_text is not Unicode text: lone surrogate \\ud800 at character 0";
        QTest::newRow("lone low surrogate inside")
            << QByteArray("POST") << "/lift" << QByteArray(R"({"insight_text": "ab\udc00c"})")
            << json << 400 << "lone surrogate \\udc00 at character 2";
        QTest::newRow("two high halves")
            << QByteArray("POST") << "/lift" << QByteArray(R"({"insight_text": "\ud83d\ud83d"})")
            << json << 400 << "at character 0";
        QTest::newRow("lone surrogate in batch")
            << QByteArray("POST") << "/lift/batch"
            << QByteArray(R"({"insights": ["fine", "x\udfff"]})") << json << 400
            << "insights[1] is not Unicode text: lone surrogate \\udfff at character 1";
    }
    void errorsAreJsonWithTheRightStatus() {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, message);
        Client client(main_.port);
        const auto r = client.send(method, path, body, contentType);
        QCOMPARE(r.status, status);
        QCOMPARE(r.headers.value("content-type"), QByteArray("application/json"));
        QVERIFY2(r.json()["error"].toString().contains(message), r.body.constData());
        if (status == 405) {
            QCOMPARE(r.headers.value("allow"),
                     QByteArray(path.startsWith("/lift") ? "POST" : "GET"));
        }
    }

    void surrogatePairsAreText() {
        Client client(main_.port);
        const auto r = client.send("POST", "/lift", R"({"insight_text": "wave \ud83c\udf0a"})");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["id"].toString().toLatin1(),
                 sha256Hex(QStringLiteral("wave ") + QString::fromUtf8("\xf0\x9f\x8c\x8a")));
    }

    void batchOverAThousandIs413() {
        auto options = onFreePort();
        options.maxBodyBytes = 1 << 20;
        RunningServer server;
        QVERIFY(server.start(options));
        QJsonArray insights;
        for (int i = 0; i < 1001; ++i) {
            insights.append(QString::number(i));
        }
        Client client(server.port);
        const auto r = client.send("POST", "/lift/batch",
                                   QJsonDocument(QJsonObject{{"insights", insights}}).toJson());
        QCOMPARE(r.status, 413);
        QVERIFY(r.json()["error"].toString().contains("at most 1000"));
        insights.removeLast();
        QCOMPARE(client
                     .send("POST", "/lift/batch",
                           QJsonDocument(QJsonObject{{"insights", insights}}).toJson())
                     .status,
                 200);
    }

    void metricsArePrometheusText() {
        Client client(main_.port);
        client.lift({{"insight_text", "metered"}});
        client.lift({{"insight_text", "metered"}});
        client.get("/nowhere/at/all");
        const auto r = client.get("/metrics");
        QCOMPARE(r.status, 200);
        QVERIFY(r.headers.value("content-type").startsWith("text/plain"));
        const QString text = QString::fromUtf8(r.body);
        QVERIFY(text.contains("# TYPE dredge_insight_requests_total counter"));
        QVERIFY(text.contains(QRegularExpression(
            R"(dredge_insight_requests_total\{endpoint="/lift",status="200"\} \d+)")));
        QVERIFY(text.contains(QRegularExpression(
            R"(dredge_insight_requests_total\{endpoint="other",status="404"\} \d+)")));
        const auto stats = main_.server->cacheStats();
        QVERIFY(
            text.contains(QStringLiteral("dredge_insight_cache_entries %1\n").arg(stats.entries)));
        QVERIFY(text.contains("dredge_insight_cache_hits_total "));
        QVERIFY(text.contains("dredge_insight_cache_evictions_total "));
        QVERIFY(text.contains("dredge_insight_cache_bytes "));
        QVERIFY(text.contains("dredge_insight_hash_seconds_total "));
    }

    void tokenIsRequiredWhenSet() {
        auto options = onFreePort();
        options.token = "s3cret-token";
        RunningServer server;
        QVERIFY(server.start(options));
        Client client(server.port);
        QCOMPARE(client.get("/health").status, 401);
        QCOMPARE(client.send("GET", "/health", {}, {}, "Bearer wrong").status, 401);
        const auto denied = client.send("POST", "/lift", "{\"insight_text\":\"x\"}",
                                        "application/json", "Bearer s3cret-tokenX");
        QCOMPARE(denied.status, 401);
        QVERIFY(denied.json()["error"].toString().contains("token"));
        QCOMPARE(client.send("GET", "/health", {}, {}, "Bearer s3cret-token").status, 200);
    }

    void beyondLoopbackNeedsAToken() {
        auto options = onFreePort();
        options.address = QHostAddress::AnyIPv4;
        RunningServer refused;
        QVERIFY(!refused.start(options));
        QVERIFY2(refused.failure.contains("token"), qPrintable(refused.failure));
        options.token = "another-token";
        RunningServer allowed;
        QVERIFY2(allowed.start(options), qPrintable(allowed.failure));
        Client client(allowed.port); // reached through loopback only
        QCOMPARE(client.get("/health").status, 401);
        QCOMPARE(client.send("GET", "/health", {}, {}, "Bearer another-token").status, 200);
    }

    void aPortInUseIsAClearFailure() {
        auto options = onFreePort();
        options.port = main_.port;
        RunningServer second;
        QVERIFY(!second.start(options));
        QVERIFY2(second.failure.contains("Cannot listen") &&
                     second.failure.contains(QString::number(main_.port)),
                 qPrintable(second.failure));
    }

    void hugeDeclaredBodyIsRefusedBeforeItArrives() {
        const auto answer =
            rawExchange(main_.port, "POST /lift HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 10000000000\r\n\r\n{\"insight_text\":");
        QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.constData());
        QVERIFY(answer.contains("exceeds the limit"));
    }

    // As Python's http.client sends: headers and the whole body, then it reads.
    void clientSendingAWholeOversizedBodyReadsThe413() {
        const QByteArray body(4 << 20, 'x'); // 1,000 times the limit
        const auto exchange = BlockingExchange::run(main_.port, oversizedPost(body.size()), body);
        QVERIFY2(exchange.sentAll, qPrintable(exchange.failure));
        QVERIFY2(exchange.answer.startsWith("HTTP/1.1 413"), exchange.answer.left(200).constData());
        QVERIFY(exchange.answer.contains("exceeds the limit of 4096 bytes"));
        QVERIFY(exchange.closedCleanly);
        Client client(main_.port);
        QCOMPARE(client.get("/health").status, 200);
    }

    // The server drops the rest of a refused body only up to a bound: a client
    // that keeps sending past it is cut off (and cannot hold a connection open).
    void lingeringAfterA413IsBounded() {
        auto options = onFreePort();
        options.maxBodyBytes = 4096;
        options.lingerBytes = 1 << 20;
        RunningServer server;
        QVERIFY(server.start(options));
        const QByteArray body(64 << 20, 'x');
        const auto exchange = BlockingExchange::run(server.port, oversizedPost(body.size()), body);
        QVERIFY2(!exchange.sentAll, "64 MiB were taken in although the bound is 1 MiB");
        QVERIFY2(exchange.failure.contains("reset") || exchange.failure.contains("pipe"),
                 qPrintable(exchange.failure));
        Client client(server.port);
        QCOMPARE(client.get("/health").status, 200);
    }

    void malformedTrafficCrashesNothing_data() {
        QTest::addColumn<QByteArray>("bytes");
        static const char garbage[] = "\x00\x01\x02 garbage \xff\xfe\r\n\r\n";
        QTest::newRow("garbage") << QByteArray(garbage, sizeof garbage - 1); // NUL bytes inside
        QTest::newRow("no version") << QByteArray("GET /health\r\n\r\n");
        QTest::newRow("bad header") << QByteArray("GET /health HTTP/1.1\r\nNoColonHere\r\n\r\n");
        QTest::newRow("bad length")
            << QByteArray("POST /lift HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
        QTest::newRow("short body")
            << QByteArray("POST /lift HTTP/1.1\r\nContent-Length: 50\r\n\r\n{}");
        QTest::newRow("bad chunking")
            << QByteArray("POST /lift HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
        QTest::newRow("long path")
            << (QByteArray("GET /") + QByteArray(20000, 'a') + " HTTP/1.1\r\n\r\n");
    }
    void malformedTrafficCrashesNothing() {
        QFETCH(QByteArray, bytes);
        rawExchange(main_.port, bytes);
        Client client(main_.port);
        QCOMPARE(client.get("/health").status, 200); // still serving
    }

    // Issue 25 #2: framing is checked as it arrives, whatever the split of
    // the bytes (fed at once, by 7 bytes, by 1 byte).
    void framingRules_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        const QByteArray post = "POST /lift HTTP/1.1\r\nHost: x\r\n";
        QTest::newRow("plain GET")
            << QByteArray("GET /health HTTP/1.1\r\n\r\n") << 0 << QByteArray();
        QTest::newRow("pipelined with bodies")
            << (post + "Content-Length: 2\r\n\r\n{}" + post +
                "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: 1\r\n\r\n" +
                "GET /health HTTP/1.0\r\n\r\n")
            << 0 << QByteArray();
        QTest::newRow("chunked over the limit")
            << (post + "Transfer-Encoding: chunked\r\n\r\n800\r\n" + QByteArray(2048, 'x') +
                "\r\n800\r\n")
            << 413 << QByteArray("Body of at least 4096 bytes exceeds the limit of 3000 bytes");
        QTest::newRow("declared over the limit")
            << (post + "Content-Length: 1000000000\r\n\r\n") << 413
            << QByteArray("Body of 1000000000 bytes exceeds the limit of 3000 bytes");
        QTest::newRow("length after a long header")
            << (post + "X-Pad: " + QByteArray(6000, 'a') + "\r\nContent-Length: 99999\r\n\r\n")
            << 413 << QByteArray("Body of 99999 bytes");
        QTest::newRow("both framings")
            << (post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") << 400
            << QByteArray("Transfer-Encoding and Content-Length together");
        QTest::newRow("length twice") << (post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n")
                                      << 400 << QByteArray("Content-Length given more than once");
        QTest::newRow("signed length") << (post + "Content-Length: +5\r\n\r\n") << 400
                                       << QByteArray("Content-Length '+5' is not a whole number");
        QTest::newRow("words for a length") << (post + "Content-Length: lots\r\n\r\n") << 400
                                            << QByteArray("Content-Length 'lots' is not a whole");
        QTest::newRow("gzip") << (post + "Transfer-Encoding: gzip\r\n\r\n") << 501
                              << QByteArray("Transfer-Encoding 'gzip' is not supported");
        QTest::newRow("not HTTP") << QByteArray("hello there\r\n\r\n") << 400
                                  << QByteArray("Not an HTTP request");
        QTest::newRow("HTTP/2") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505
                                << QByteArray("HTTP version HTTP/2.0 is not supported");
        QTest::newRow("head too long") << (post + "X-Pad: " + QByteArray(20000, 'a')) << 431
                                       << QByteArray("Request head longer than 16384 bytes");
        QByteArray many = post;
        for (int i = 0; i < 120; ++i) {
            many += "X-" + QByteArray::number(i) + ": 1\r\n";
        }
        QTest::newRow("too many headers")
            << (many + "\r\n") << 431 << QByteArray("More than 100 headers");
        QTest::newRow("chunk size not hex")
            << (post + "Transfer-Encoding: chunked\r\n\r\n-5\r\n") << 400
            << QByteArray("Chunk size '-5' is not a hexadecimal number");
        QTest::newRow("chunk overruns its size")
            << (post + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}x\r\n") << 400
            << QByteArray("Chunk longer than its size");
    }
    void framingRules() {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        FramingLimits limits;
        limits.maxBodyBytes = 3000;
        for (const qsizetype piece : {qsizetype(0), qsizetype(7), qsizetype(1)}) {
            const auto [got, why] = framingVerdict(bytes, piece, limits);
            QVERIFY2(got == status && why.startsWith(reason),
                     qPrintable(QStringLiteral("in pieces of %1: %2 %3")
                                    .arg(piece)
                                    .arg(got)
                                    .arg(QString::fromUtf8(why))));
        }
    }

    // Over real sockets: a chunked upload over the limit is answered 413 as
    // it arrives, however long it would go on; a length behind 6 KB of
    // headers and a blank line sent on its own are measured too.
    void bodiesAreBoundedForEveryFraming() {
        QByteArray chunks;
        for (int i = 0; i < 256; ++i) { // 4 MiB in 16 KiB chunks
            chunks += "4000\r\n" + QByteArray(16384, 'x') + "\r\n";
        }
        const auto chunked = BlockingExchange::run(
            main_.port, "POST /lift HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", chunks);
        QVERIFY2(chunked.answer.startsWith("HTTP/1.1 413"), chunked.answer.left(200).constData());
        QVERIFY(chunked.answer.contains("exceeds the limit of 4096 bytes"));

        RawConnection padded(main_.port);
        padded.send("POST /lift HTTP/1.1\r\nX-Pad: " + QByteArray(6000, 'a') +
                    "\r\nContent-Length: 1000000000\r\n");
        padded.send("\r\n"); // the blank line in a write of its own
        QVERIFY(padded.awaitAnswers(1));
        QVERIFY2(padded.answer.startsWith("HTTP/1.1 413"), padded.answer.left(200).constData());
        QVERIFY(padded.closedByServer());

        RawConnection words(main_.port);
        words.send("POST /lift HTTP/1.1\r\nContent-Length: many\r\n\r\n");
        QVERIFY(words.awaitAnswers(1));
        QVERIFY2(words.answer.startsWith("HTTP/1.1 400") && !words.answer.contains("Body of 0"),
                 words.answer.constData());
    }

    // With a token, a request with a body is refused before its body is read.
    void aBodyNeedsTheTokenBeforeItIsRead() {
        const QByteArray token = "0123456789abcdef0123456789abcdef";
        const auto server = startedWith([&](auto& o) { o.token = token; });
        QVERIFY(server);
        RawConnection client(server->port);
        client.send("POST /lift HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n");
        QVERIFY(client.awaitAnswers(1));
        QVERIFY2(client.answer.startsWith("HTTP/1.1 401"), client.answer.constData());
        QVERIFY(client.answer.contains("WWW-Authenticate: Bearer"));
        QVERIFY(client.closedByServer());
        Client authorized(server->port);
        QCOMPARE(authorized
                     .send("POST", "/lift", "{\"insight_text\":\"a\"}", "application/json",
                           "Bearer " + token)
                     .status,
                 200);
    }

    // Issue 25 #3: idle connections and slow heads end; past the cap the
    // connection silent longest gives way; Connection: close and HTTP/1.0
    // end the connection after the answer.
    void connectionsDoNotLinger() {
        const auto server = startedWith([](auto& o) { o.idleTimeoutMs = o.headTimeoutMs = 300; });
        QVERIFY(server);
        RawConnection idle(server->port);
        QVERIFY(idle.closedByServer(5000));
        RawConnection afterAnswer(server->port);
        afterAnswer.send("GET /health HTTP/1.1\r\n\r\n");
        QVERIFY(afterAnswer.awaitAnswers(1));
        QVERIFY(afterAnswer.closedByServer(5000));
        RawConnection slow(server->port);
        slow.send("GET /health HTTP/1.1\r\nX-Slow: ");
        QVERIFY(slow.awaitAnswers(1, 5000));
        QVERIFY2(slow.answer.startsWith("HTTP/1.1 408"), slow.answer.constData());
    }
    void theConnectionCapDropsTheLongestSilent() {
        const auto server = startedWith([](auto& o) { o.maxConnections = 4; });
        QVERIFY(server);
        std::vector<std::unique_ptr<RawConnection>> held;
        for (int i = 0; i < 4; ++i) {
            held.push_back(std::make_unique<RawConnection>(server->port));
            held.back()->send("GET /health HTTP/1.1\r\n\r\n"); // each answered, then silent
            QVERIFY(held.back()->awaitAnswers(1));
        }
        RawConnection fifth(server->port);
        fifth.send("GET /health HTTP/1.1\r\n\r\n");
        QVERIFY(fifth.awaitAnswers(1));
        QVERIFY(fifth.answer.startsWith("HTTP/1.1 200"));
        QVERIFY(held.front()->closedByServer(5000)); // the first was silent longest
        QCOMPARE(held.back()->socket.state(), QAbstractSocket::ConnectedState);
    }
    void connectionCloseIsHonoured_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<bool>("closes");
        QTest::newRow("close") << QByteArray("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n")
                               << true;
        QTest::newRow("HTTP/1.0") << QByteArray("GET /health HTTP/1.0\r\n\r\n") << true;
        QTest::newRow("HTTP/1.0 keep-alive")
            << QByteArray("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << false;
        QTest::newRow("HTTP/1.1") << QByteArray("GET /health HTTP/1.1\r\n\r\n") << false;
    }
    void connectionCloseIsHonoured() {
        QFETCH(QByteArray, request);
        QFETCH(bool, closes);
        RawConnection client(main_.port);
        client.send(request);
        QVERIFY(client.awaitAnswers(1));
        if (closes) {
            QVERIFY(client.closedByServer(5000));
        } else { // still open: a second request is answered on it
            client.send("GET /health HTTP/1.1\r\n\r\n");
            QVERIFY(client.awaitAnswers(2));
        }
    }

    void keepAliveServesManyRequestsOnOneConnection() {
        QByteArray requests;
        for (int i = 0; i < 20; ++i) {
            const QByteArray body = "{\"insight_text\":\"ka " + QByteArray::number(i) + "\"}";
            requests += "POST /lift HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: " +
                        QByteArray::number(body.size()) + "\r\n\r\n" + body;
        }
        const auto answer = rawExchange(main_.port, requests, 20);
        QCOMPARE(answer.count("HTTP/1.1 200"), 20);
        QVERIFY(answer.contains(sha256Hex(QStringLiteral("ka 19"))));
    }

    void guiLiftsShareTheCache() {
        const auto lifted = main_.server->liftDirect(QStringLiteral("from the window"));
        QCOMPARE(lifted["id"].toString().toLatin1(), sha256Hex(QStringLiteral("from the window")));
        const auto recent = main_.server->metrics().recentLifts;
        QVERIFY(!recent.empty());
        QCOMPARE(recent.front().text, QString("from the window"));
        Client client(main_.port);
        const auto before = main_.server->cacheStats().hits;
        client.lift({{"insight_text", "from the window"}});
        QCOMPARE(main_.server->cacheStats().hits, before + 1);
    }

    void stopsAndStartsAgain() {
        RunningServer server;
        QVERIFY(server.start(onFreePort()));
        QSignalSpy stopped(server.server.get(), &InsightServer::stopped);
        server.server->stop();
        QVERIFY(!stopped.isEmpty() || stopped.wait(20000));
        QVERIFY(!server.server->isListening());
        QCOMPARE(rawExchange(server.port, "GET /health HTTP/1.1\r\n\r\n"),
                 QByteArray("no connection"));
    }
};

QTEST_GUILESS_MAIN(TestInsightServer)
#include "test_insight_server.moc"
