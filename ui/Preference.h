#pragma once
// The window's own settings (QSettings), each with its key and default in one
// place (as Tiled's Preference<T>): the store's URL, the window's layout, the
// log scale, the server's address and port, the last experiment. Settings of
// an experiment are not here: they are the settings table's.

#include "InsightServer.h"

#include <QSettings>
#include <QString>
#include <QVariant>

namespace dredge {

template <typename T>
class Preference {
public:
    Preference(const char* key, T fallback)
        : key_(QString::fromLatin1(key))
        , default_(std::move(fallback)) {}

    T get() const {
        return QSettings().value(key_, QVariant::fromValue(default_)).template value<T>();
    }
    void set(const T& value) const { QSettings().setValue(key_, QVariant::fromValue(value)); }
    const T& defaultValue() const { return default_; }
    const QString& key() const { return key_; }

private:
    QString key_;
    T default_;
};

namespace preferences {

inline const Preference<QString> storeUrl{"store/url", QString()}; // empty: the default store
inline const Preference<QByteArray> windowGeometry{"window/geometry", QByteArray()};
inline const Preference<QByteArray> windowState{"window/state", QByteArray()};
inline const Preference<bool> logScale{"plot/logScale", true};
inline const Preference<QString> serverAddress{"server/address",
                                               InsightServerOptions{}.address.toString()};
inline const Preference<int> serverPort{"server/port", int(InsightServerOptions{}.port)};
// The form's experiment as JSON (the settings table's format).
inline const Preference<QByteArray> experiment{"experiment", QByteArray()};

} // namespace preferences
} // namespace dredge
