#include "ServerPanel.h"

#include <QLocale>

#include "InsightServer.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace dredge {

ServerPanel::ServerPanel(InsightServer* server, QWidget* parent)
    : QWidget(parent)
    , server_(server) {
    auto* layout = new QVBoxLayout(this);
    auto* settings = new QGroupBox(tr("Insight server"));
    auto* form = new QFormLayout(settings);
    const InsightServerOptions defaults;
    address_ = new QLineEdit(defaults.address.toString());
    form->addRow(tr("Address"), address_);
    port_ = new QSpinBox;
    port_->setObjectName(QStringLiteral("serverPort"));
    port_->setRange(0, 65535);
    port_->setValue(defaults.port);
    port_->setToolTip(tr("0 picks a free port"));
    form->addRow(tr("Port"), port_);
    token_ = new QLineEdit;
    token_->setEchoMode(QLineEdit::Password);
    token_->setPlaceholderText(tr("needed beyond 127.0.0.1"));
    form->addRow(tr("Token"), token_);
    toggle_ = new QPushButton(tr("Start server"));
    toggle_->setObjectName(QStringLiteral("serverToggle"));
    form->addRow(toggle_);
    status_ = new QLabel(tr("stopped"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Status"), status_);
    counters_ = new QLabel;
    counters_->setObjectName(QStringLiteral("serverTraffic"));
    counters_->setWordWrap(true); // a long line would widen the dock and squeeze the plots
    form->addRow(tr("Traffic"), counters_);
    layout->addWidget(settings);

    auto* liftBox = new QGroupBox(tr("Lift an insight"));
    auto* liftLayout = new QVBoxLayout(liftBox);
    auto* row = new QHBoxLayout;
    liftText_ = new QLineEdit;
    liftText_->setPlaceholderText(tr("an insight…"));
    auto* liftButton = new QPushButton(tr("Lift"));
    row->addWidget(liftText_, 1);
    row->addWidget(liftButton);
    liftLayout->addLayout(row);
    // A 64-digit id has nowhere to wrap: a read-only line scrolls it instead
    // of widening the panel, and still selects and copies it whole.
    liftResult_ = new QLineEdit;
    liftResult_->setObjectName(QStringLiteral("liftedId"));
    liftResult_->setReadOnly(true);
    liftResult_->setPlaceholderText(tr("the lifted insight's id"));
    liftLayout->addWidget(liftResult_);
    layout->addWidget(liftBox);

    layout->addWidget(new QLabel(tr("Last lifts")));
    recent_ = new QListWidget;
    layout->addWidget(recent_, 1);

    connect(toggle_, &QPushButton::clicked, this, &ServerPanel::toggle);
    connect(liftButton, &QPushButton::clicked, this, &ServerPanel::liftFromBox);
    connect(liftText_, &QLineEdit::returnPressed, this, &ServerPanel::liftFromBox);
    connect(server_, &InsightServer::listening, this, [this](const QString& address, quint16 port) {
        starting_ = false;
        status_->setText(tr("listening on http://%1:%2").arg(address).arg(port));
        toggle_->setText(tr("Stop server"));
        toggle_->setEnabled(true);
    });
    connect(server_, &InsightServer::startFailed, this, [this](const QString& reason) {
        starting_ = false;
        status_->setText(tr("<span style='color:#b00020'>%1</span>").arg(reason.toHtmlEscaped()));
        toggle_->setText(tr("Start server"));
        toggle_->setEnabled(true);
    });
    connect(server_, &InsightServer::stopped, this, [this] {
        status_->setText(tr("stopped"));
        toggle_->setText(tr("Start server"));
        toggle_->setEnabled(true);
    });
    refreshTimer_.setInterval(500);
    connect(&refreshTimer_, &QTimer::timeout, this, &ServerPanel::refresh);
    refreshTimer_.start();
    refresh();
}

QString ServerPanel::address() const {
    return address_->text().trimmed();
}
void ServerPanel::setAddress(const QString& address) {
    address_->setText(address);
}

void ServerPanel::setStoreLocation(std::optional<StoreLocation> location) {
    store_ = std::move(location);
}

void ServerPanel::toggle() {
    if (server_->isListening()) {
        toggle_->setEnabled(false);
        server_->stop();
        return;
    }
    InsightServerOptions options;
    if (!options.address.setAddress(address())) {
        status_->setText(tr("<span style='color:#b00020'>'%1' is not an IP address</span>")
                             .arg(address().toHtmlEscaped()));
        return;
    }
    options.port = quint16(port_->value());
    options.token = token_->text().trimmed().toUtf8();
    options.logRequests = false;
    options.store = store_;
    starting_ = true;
    toggle_->setEnabled(false);
    status_->setText(tr("starting…"));
    server_->start(options);
}

void ServerPanel::refresh() {
    const auto m = server_->metrics();
    const auto c = server_->cacheStats();
    const auto lookups = c.hits + c.misses;
    // "1 request", "4 entries (2.5 KiB)": counted nouns and sizes in words.
    const auto counted = [](quint64 n, const QString& one, const QString& many) {
        return n == 1 ? one : many.arg(n);
    };
    counters_->setText(tr("%1, cache hit rate %2, %3 (%4)")
                           .arg(counted(m.totalRequests, tr("1 request"), tr("%1 requests")),
                                lookups ? QStringLiteral("%1%").arg(
                                              100.0 * double(c.hits) / double(lookups), 0, 'f', 1)
                                        : QStringLiteral("—"),
                                counted(c.entries, tr("1 entry"), tr("%1 entries")),
                                QLocale().formattedDataSize(qint64(c.bytes), 1)));
    recent_->clear();
    for (const auto& lift : m.recentLifts) {
        auto* item =
            new QListWidgetItem(QStringLiteral("%1…  %2").arg(lift.id.left(12), lift.text));
        item->setToolTip(QStringLiteral("%1\n%2").arg(lift.id, lift.text));
        recent_->addItem(item);
    }
}

void ServerPanel::liftFromBox() {
    const auto result = server_->liftDirect(liftText_->text());
    const auto id = result.value(QStringLiteral("id")).toString();
    liftResult_->setText(id);
    liftResult_->setToolTip(id);
    liftResult_->setCursorPosition(0);
    refresh();
}

} // namespace dredge
