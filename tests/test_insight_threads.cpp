// The insight server's state that threads share without Qt's event loop, on
// plain std::threads so that ThreadSanitizer sees every handoff (the tsan
// preset runs this suite). In the app the server thread's InsightService and
// the window's own (liftDirect) share one cache and one ServerMetrics; the
// insight panel reads both from the GUI thread while requests arrive:
// - InsightCache (LruCache): one mutex around the list and the map;
// - ServerMetrics: relaxed atomic counters, a mutex around the recent lifts;
// - each InsightService keeps its own SHA-256 context (never shared).

#include "InsightService.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <atomic>
#include <thread>
#include <vector>

using namespace dredge;

namespace {

constexpr int kThreads = 4;
constexpr int kLiftsPerThread = 3000;
constexpr int kTexts = 300; // more than the cache holds: hits, misses and evictions

QString textNumber(int i) {
    return QStringLiteral("shared insight %1").arg(i);
}

InsightRequest liftRequest(const QString& text) {
    InsightRequest r;
    r.method = "POST";
    r.path = "/lift";
    r.contentType = "application/json";
    r.body = QJsonDocument(QJsonObject{{"insight_text", text}}).toJson(QJsonDocument::Compact);
    return r;
}

} // namespace

class TestInsightThreads : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void servicesOnSeveralThreadsShareOneCacheAndMetrics() {
        auto cache = makeInsightCache(/*entries=*/64);
        auto metrics = std::make_shared<ServerMetrics>();
        std::atomic<int> wrongIds{0};
        std::atomic<bool> done{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                InsightService service(cache, metrics, InsightServiceOptions{});
                for (int i = 0; i < kLiftsPerThread; ++i) {
                    const QString text = textNumber((i * 7 + t * 13) % kTexts);
                    const auto reply = service.handle(liftRequest(text));
                    const auto id = QJsonDocument::fromJson(reply.body)["id"].toString().toLatin1();
                    if (reply.status != 200 ||
                        id != QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256)
                                  .toHex()) {
                        ++wrongIds;
                    }
                }
            });
        }
        // The panel's reads, all the while.
        std::thread reader([&] {
            InsightService service(cache, metrics, InsightServiceOptions{});
            InsightRequest request;
            request.method = "GET";
            request.path = "/metrics";
            while (!done.load()) {
                service.handle(request);
                metrics->snapshot();
                cache->stats();
            }
        });
        for (auto& thread : threads) {
            thread.join();
        }
        done.store(true);
        reader.join();

        QCOMPARE(wrongIds.load(), 0);
        const auto stats = cache->stats();
        const uint64_t lifts = uint64_t(kThreads) * kLiftsPerThread;
        QCOMPARE(stats.hits + stats.misses, lifts); // every lookup counted once
        QVERIFY(stats.evictions > 0);
        QVERIFY(stats.entries <= 64);
        const auto snapshot = metrics->snapshot();
        QCOMPARE(snapshot.hashes, stats.misses); // a miss hashes, a hit does not
        QCOMPARE((snapshot.requests.at({QStringLiteral("/lift"), 200})), lifts);
        QCOMPARE(snapshot.recentLifts.size(), ServerMetrics::kRecentLifts);
    }

    void metricsCountEveryRequestFromEveryThread() {
        ServerMetrics metrics;
        constexpr int kEach = 50000;
        std::atomic<bool> done{false};
        std::vector<std::thread> writers;
        for (int t = 0; t < kThreads; ++t) {
            writers.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    metrics.countRequest(t % 2, i % 3 == 0 ? 400 : 200);
                    if (i % 100 == 0) {
                        metrics.recordLift(QString::number(i), QStringLiteral("text"));
                    }
                }
            });
        }
        std::thread reader([&] {
            uint64_t last = 0;
            while (!done.load()) {
                const auto total = metrics.snapshot().totalRequests;
                QVERIFY(total >= last); // counters only grow
                last = total;
            }
        });
        for (auto& writer : writers) {
            writer.join();
        }
        done.store(true);
        reader.join();
        const auto snapshot = metrics.snapshot();
        QCOMPARE(snapshot.totalRequests, uint64_t(kThreads) * kEach);
        uint64_t fours = 0;
        for (const auto& [key, count] : snapshot.requests) {
            fours += key.second == 400 ? count : 0;
        }
        QCOMPARE(fours, uint64_t(kThreads) * ((kEach + 2) / 3));
    }
};

QTEST_GUILESS_MAIN(TestInsightThreads)
#include "test_insight_threads.moc"
