#pragma once
// The insight server's window on the lab (docs/reference.md §5): a stored
// run's model evaluated at the caller's points (POST /predict), and read-only
// JSON views of the run store (GET /runs, /runs/ID, /runs/ID/losses), as
// plain functions from a request to a reply like InsightService's. The store
// is opened on first use, in the thread that calls (the server's). Models of
// ended runs are kept in an LRU keyed by run, epoch and precision, bounded
// like the lift cache by entries and bytes.

#include "InsightService.h"
#include "LruCache.h"
#include "StoreLocation.h"

#include <memory>
#include <optional>

namespace dredge {

class RunStore;
struct ServedModel;

struct LabServiceOptions {
    std::optional<StoreLocation> store; // none: every request is answered 404, saying so
    int maxPredictPoints = 100000;
    size_t modelCacheEntries = 64;
    size_t modelCacheBytes = size_t(256) << 20;
};

using ModelCache = LruCache<std::string, std::shared_ptr<const ServedModel>>;

class LabService : public ExtraEndpoints {
public:
    LabService(LabServiceOptions options, std::shared_ptr<ServerMetrics> metrics);
    ~LabService() override;
    LabService(const LabService&) = delete;
    LabService& operator=(const LabService&) = delete;

    bool handles(const QByteArray& path) const override;
    InsightReply handle(const InsightRequest& request) override;
    void writeMetrics(QByteArray& out) const override;

private:
    RunStore* store(InsightReply* failure);
    InsightReply predict(const QByteArray& body);
    InsightReply listRuns(const QByteArray& query);
    InsightReply showRun(const QString& prefix, const QByteArray& query);
    InsightReply runLosses(const QString& prefix, const QByteArray& query);
    std::optional<QString> resolve(const QString& prefix, InsightReply* failure);
    std::shared_ptr<const ServedModel> model(const QString& id, qint64 epoch, bool int8,
                                             InsightReply* failure);

    LabServiceOptions options_;
    std::shared_ptr<ServerMetrics> metrics_;
    std::unique_ptr<RunStore> store_;
    ModelCache models_;
};

} // namespace dredge
