#include "StoreLocation.h"

#include <QDir>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

namespace dredge {

QString StoreLocation::display() const {
    if (backend == Backend::Sqlite) {
        return QStringLiteral("sqlite:") + path;
    }
    QString text = QStringLiteral("postgresql://");
    if (!user.isEmpty()) {
        text += user + u'@';
    }
    text += host.startsWith(u'/') ? QString::fromUtf8(QUrl::toPercentEncoding(host)) : host;
    if (port >= 0) {
        text += u':' + QString::number(port);
    }
    return text + u'/' + database;
}

std::optional<StoreLocation> parseStoreUrl(const QString& url, QString* error) {
    const auto fail = [&](const QString& why) -> std::optional<StoreLocation> {
        if (error) {
            *error = QStringLiteral("store '%1': %2").arg(url, why);
        }
        return std::nullopt;
    };
    StoreLocation location;
    if (url.startsWith(QLatin1String("sqlite:"))) {
        location.path = url.mid(7);
        if (location.path.startsWith(QLatin1String("//"))) { // sqlite:///abs/path
            location.path = location.path.mid(2);
        }
        if (location.path.isEmpty()) {
            return fail(QStringLiteral("no database file after 'sqlite:'"));
        }
        return location;
    }
    if (!url.startsWith(QLatin1String("postgresql://")) &&
        !url.startsWith(QLatin1String("postgres://"))) {
        return fail(QStringLiteral("use sqlite:PATH or postgresql://user@host:port/db"));
    }
    // QUrl rejects a percent-encoded socket folder as host name: take the
    // authority apart by hand and let QUrl decode the pieces.
    const int schemeEnd = url.indexOf(QLatin1String("://")) + 3;
    QString rest = url.mid(schemeEnd);
    QString query;
    if (const int q = rest.indexOf(u'?'); q >= 0) {
        query = rest.mid(q + 1);
        rest.truncate(q);
    }
    const int slash = rest.indexOf(u'/');
    if (slash < 0 || slash + 1 == rest.size()) {
        return fail(QStringLiteral("no database name (postgresql://user@host:port/db)"));
    }
    location.backend = StoreLocation::Backend::PostgreSql;
    location.database = QUrl::fromPercentEncoding(rest.mid(slash + 1).toUtf8());
    QString authority = rest.left(slash);
    if (const int at = authority.lastIndexOf(u'@'); at >= 0) {
        const QString userInfo = authority.left(at);
        authority = authority.mid(at + 1);
        const int colon = userInfo.indexOf(u':');
        location.user = QUrl::fromPercentEncoding(userInfo.left(colon).toUtf8());
        if (colon >= 0) {
            location.password = QUrl::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
        }
    }
    if (const int colon = authority.lastIndexOf(u':'); colon >= 0) {
        bool ok = false;
        location.port = authority.mid(colon + 1).toInt(&ok);
        if (!ok || location.port <= 0 || location.port > 65535) {
            return fail(
                QStringLiteral("port '%1' is not a port number").arg(authority.mid(colon + 1)));
        }
        authority.truncate(colon);
    }
    location.host = QUrl::fromPercentEncoding(authority.toUtf8());
    const QUrlQuery parameters(query);
    if (parameters.hasQueryItem(QStringLiteral("host"))) {
        location.host = parameters.queryItemValue(QStringLiteral("host"), QUrl::FullyDecoded);
    }
    if (parameters.hasQueryItem(QStringLiteral("port"))) {
        location.port = parameters.queryItemValue(QStringLiteral("port")).toInt();
    }
    return location;
}

QString defaultStoreUrl() {
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return QStringLiteral("sqlite:") + QDir(folder).filePath(QStringLiteral("runs.sqlite"));
}

QString chooseStoreUrl(const QString& explicitUrl, const QString& configured) {
    const QString fromEnvironment = qEnvironmentVariable("DREDGE_STORE");
    for (const QString* url : {&explicitUrl, &fromEnvironment, &configured}) {
        if (!url->isEmpty()) {
            return *url;
        }
    }
    return defaultStoreUrl();
}

} // namespace dredge
