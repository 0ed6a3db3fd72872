#include "ServeCommand.h"

#include "InputFile.h"

#include "InsightServer.h"
#include "StoreLocation.h"
#include "UnixSignalQuitter.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <cstdio>
#include <limits>

namespace dredge {
namespace {

struct BadArguments {
    QString reason;
};

qint64 positive(const QCommandLineParser& p, const char* name, qint64 fallback) {
    const QString key = QLatin1String(name);
    if (!p.isSet(key)) {
        return fallback;
    }
    bool ok = false;
    const qint64 value = p.value(key).toLongLong(&ok);
    if (!ok || value < 1) {
        throw BadArguments{
            QStringLiteral("--%1 must be a positive integer, not '%2'").arg(key, p.value(key))};
    }
    return value;
}

// ADDRESS:PORT of the server's defaults: "127.0.0.1:3001".
QString listenText(const InsightServerOptions& o) {
    const QString host = o.address.protocol() == QAbstractSocket::IPv6Protocol
                             ? u'[' + o.address.toString() + u']'
                             : o.address.toString();
    return host + u':' + QString::number(o.port);
}

constexpr qsizetype kMinPublicToken = 16;

// A token is a secret: a regular file of at most 4 KiB; for an address beyond
// this machine at least 16 bytes, and a warning when others may read it.
QByteArray tokenFrom(const QString& path, bool loopback) {
    QString why;
    const auto bytes = readInputFile(path, 4096, QStringLiteral("token file"), &why);
    if (!bytes) {
        throw BadArguments{why};
    }
    const QByteArray token = bytes->trimmed();
    if (token.isEmpty()) {
        throw BadArguments{QStringLiteral("token file '%1' is empty").arg(path)};
    }
    if (!loopback && token.size() < kMinPublicToken) {
        throw BadArguments{QStringLiteral("the token in '%1' has %2 bytes; beyond 127.0.0.1 a "
                                          "token needs at least %3")
                               .arg(path)
                               .arg(token.size())
                               .arg(kMinPublicToken)};
    }
    const auto permissions = QFile::permissions(path);
    if (permissions & (QFileDevice::ReadGroup | QFileDevice::ReadOther)) {
        std::fprintf(stderr,
                     "dredge-studio serve: warning: token file '%s' may be read by others "
                     "(chmod 600 it)\n",
                     qPrintable(path));
    }
    return token;
}

InsightServerOptions optionsFrom(const QCommandLineParser& p) {
    InsightServerOptions o;
    const QString listen = p.value(QStringLiteral("listen"));
    const auto colon = listen.lastIndexOf(u':');
    bool portOk = false;
    const uint port = colon < 0 ? 0 : listen.mid(colon + 1).toUInt(&portOk);
    QString host = colon < 0 ? QString() : listen.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']')) {
        host = host.mid(1, host.size() - 2); // [::1]:PORT
    }
    const bool named = host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0;
    if (named) {
        o.address = QHostAddress::LocalHost;
    }
    if (colon < 0 || !portOk || port > 65535 || !(named || o.address.setAddress(host))) {
        throw BadArguments{QStringLiteral("--listen must be ADDRESS:PORT, e.g. %1, not '%2'")
                               .arg(listenText(InsightServerOptions{}), listen)};
    }
    o.port = quint16(port);
    o.cacheEntries = size_t(positive(p, "cache-size", qint64(o.cacheEntries)));
    o.cacheBytes = size_t(positive(p, "cache-bytes", qint64(o.cacheBytes)));
    o.maxBodyBytes = positive(p, "max-body", o.maxBodyBytes);
    o.logRequests = !p.isSet(QStringLiteral("quiet"));
    o.maxPredictPoints = int(std::min<qint64>(positive(p, "max-points", o.maxPredictPoints),
                                              std::numeric_limits<int>::max()));
    o.modelCacheEntries = size_t(positive(p, "model-cache", qint64(o.modelCacheEntries)));
    if (!p.isSet(QStringLiteral("no-store"))) {
        QString error;
        auto location = parseStoreUrl(chooseStoreUrl(p.value(QStringLiteral("store"))), &error);
        if (!location) {
            throw BadArguments{error};
        }
        o.store = *location;
    }
    if (p.isSet(QStringLiteral("token-file"))) {
        o.token = tokenFrom(p.value(QStringLiteral("token-file")), o.address.isLoopback());
    }
    return o;
}

} // namespace

int runServeCommand(const QStringList& arguments) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Run the insight server without a window."));
    p.addHelpOption();
    const InsightServerOptions defaults;
    p.addOptions({
        {QStringLiteral("listen"), QStringLiteral("Address and port (port 0: any free one)."),
         QStringLiteral("address:port"), listenText(defaults)},
        {QStringLiteral("cache-size"),
         QStringLiteral("Cache entries (default %1).").arg(defaults.cacheEntries),
         QStringLiteral("N")},
        {QStringLiteral("cache-bytes"), QStringLiteral("Cache byte budget (default 64 MiB)."),
         QStringLiteral("bytes")},
        {QStringLiteral("max-body"), QStringLiteral("Largest request body (default 1 MiB)."),
         QStringLiteral("bytes")},
        {QStringLiteral("token-file"),
         QStringLiteral("Require 'Authorization: Bearer <token>' with the token in this file "
                        "(needed beyond loopback)."),
         QStringLiteral("file")},
        {QStringLiteral("quiet"), QStringLiteral("Do not log each request.")},
        {QStringLiteral("store"),
         QStringLiteral("The run store /predict and /runs read (default: $DREDGE_STORE, else "
                        "runs.sqlite in the user's data folder)."),
         QStringLiteral("url")},
        {QStringLiteral("no-store"), QStringLiteral("Serve /lift only: no run store.")},
        {QStringLiteral("max-points"),
         QStringLiteral("Most points one /predict request may hold (default %1).")
             .arg(defaults.maxPredictPoints),
         QStringLiteral("N")},
        {QStringLiteral("model-cache"),
         QStringLiteral("Models /predict keeps loaded (default %1).")
             .arg(defaults.modelCacheEntries),
         QStringLiteral("N")},
    });
    const auto fail = [](const QString& reason) {
        std::fprintf(stderr, "dredge-studio serve: %s\n", qPrintable(reason));
        return 2;
    };
    if (!p.parse(arguments)) {
        return fail(p.errorText());
    }
    if (p.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(p.helpText()), stdout);
        return 0;
    }
    InsightServerOptions options;
    try {
        options = optionsFrom(p);
    } catch (const BadArguments& e) {
        return fail(e.reason);
    }

    UnixSignalQuitter quitter;
    InsightServer server;
    int status = 0;
    QObject::connect(&server, &InsightServer::listening, [](const QString& address, quint16 port) {
        const bool v6 = address.contains(u':');
        std::printf("listening on http://%s%s%s:%u\n", v6 ? "[" : "", qPrintable(address),
                    v6 ? "]" : "", unsigned(port));
        std::fflush(stdout);
    });
    QObject::connect(&server, &InsightServer::startFailed, [&status](const QString& reason) {
        std::fprintf(stderr, "dredge-studio serve: %s\n", qPrintable(reason));
        status = 1;
        QCoreApplication::exit(1);
    });
    server.start(options);
    const int loop = QCoreApplication::exec();
    if (status == 0 && loop == 0) {
        std::fprintf(stderr, "dredge-studio serve: stopped by signal %d after %llu requests\n",
                     quitter.lastSignal(), (unsigned long long)server.metrics().totalRequests);
    }
    return status != 0 ? status : loop;
}

} // namespace dredge
