// The LRU cache behind the insight server: eviction order, capacity one, the
// byte budget, replacement, counters, and correctness under concurrent use.

#include "LruCache.h"

#include <QtTest>
#include <string>
#include <thread>
#include <vector>

using namespace dredge;

namespace {

using StringCache = LruCache<std::string, std::string>;

size_t textBytes(const std::string& k, const std::string& v) {
    return k.size() + v.size();
}

} // namespace

class TestLruCache : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void evictsTheLeastRecentlyUsed() {
        StringCache cache(3, size_t(-1), textBytes);
        cache.put("a", "1");
        cache.put("b", "2");
        cache.put("c", "3");
        QCOMPARE(cache.get("a").value_or(""), std::string("1")); // a is now the newest
        cache.put("d", "4");                                     // evicts b, the oldest
        QVERIFY(!cache.get("b"));
        QVERIFY(cache.get("a") && cache.get("c") && cache.get("d"));
        cache.put("e", "5"); // order now a, c, d (oldest first) -> evicts a
        QVERIFY(!cache.get("a"));
        const auto stats = cache.stats();
        QCOMPARE(stats.entries, size_t(3));
        QCOMPARE(stats.evictions, uint64_t(2));
    }

    void capacityOneKeepsOnlyTheLast() {
        StringCache cache(1, size_t(-1), textBytes);
        cache.put("a", "1");
        cache.put("b", "2");
        QVERIFY(!cache.get("a"));
        QCOMPARE(*cache.get("b"), std::string("2"));
        QCOMPARE(cache.stats().entries, size_t(1));
    }

    void capacityZeroStoresNothing() {
        StringCache cache(0, size_t(-1), textBytes);
        cache.put("a", "1");
        QVERIFY(!cache.get("a"));
        QCOMPARE(cache.stats().entries, size_t(0));
    }

    void byteBudgetBoundsMemory() {
        const size_t overhead = StringCache::kEntryOverhead;
        // Room for two 1000-byte texts, not three, whatever the entry capacity.
        StringCache cache(1024, 2 * (1000 + overhead) + 10, textBytes);
        const std::string big(1000, 'x');
        cache.put(big + "1", "");
        cache.put(big + "2", "");
        QCOMPARE(cache.stats().entries, size_t(2));
        cache.put(big + "3", "");
        QCOMPARE(cache.stats().entries, size_t(1) + 1);
        QVERIFY(!cache.get(big + "1"));
        QVERIFY(cache.stats().bytes <= cache.stats().byteBudget);
        // An entry larger than the whole budget is not kept and evicts nothing.
        cache.put(std::string(5000, 'y'), "");
        QCOMPARE(cache.stats().entries, size_t(2));
        QVERIFY(!cache.get(std::string(5000, 'y')));
    }

    void replacingAValueKeepsOneEntry() {
        StringCache cache(2, size_t(-1), textBytes);
        cache.put("k", "old");
        cache.put("k", "newer value");
        QCOMPARE(*cache.get("k"), std::string("newer value"));
        QCOMPARE(cache.stats().entries, size_t(1));
        QCOMPARE(cache.stats().bytes, size_t(1 + 11) + StringCache::kEntryOverhead);
        cache.clear();
        QCOMPARE(cache.stats().entries, size_t(0));
        QCOMPARE(cache.stats().bytes, size_t(0));
    }

    void countsHitsAndMisses() {
        StringCache cache(4, size_t(-1), textBytes);
        QVERIFY(!cache.get("x"));
        cache.put("x", "1");
        QVERIFY(cache.get("x"));
        QVERIFY(cache.get("x"));
        const auto s = cache.stats();
        QCOMPARE(s.hits, uint64_t(2));
        QCOMPARE(s.misses, uint64_t(1));
    }

    void concurrentUseStaysCorrect() {
        // Eight threads share a small cache over an overlapping key range; each
        // value is a function of its key, so any torn or mixed-up entry shows.
        LruCache<int, int> cache(64, size_t(-1));
        std::atomic<int> wrong{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&, t] {
                uint32_t state = 12345u + uint32_t(t);
                for (int i = 0; i < 20000; ++i) {
                    state = state * 1664525u + 1013904223u; // deterministic per thread
                    const int key = int(state >> 8) % 200;
                    if (const auto v = cache.get(key)) {
                        wrong += *v != key * 7 + 1;
                    } else {
                        cache.put(key, key * 7 + 1);
                    }
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        QCOMPARE(wrong.load(), 0);
        const auto s = cache.stats();
        QCOMPARE(s.hits + s.misses, uint64_t(8 * 20000));
        QVERIFY(s.entries <= 64);
        QVERIFY(s.hits > 0 && s.evictions > 0);
    }
};

QTEST_GUILESS_MAIN(TestLruCache)
#include "test_lru_cache.moc"
