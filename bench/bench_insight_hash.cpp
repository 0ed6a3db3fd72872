// Hashing insights with and without the LRU cache (issue 4; the reference
// measured 6.4x for its cache). "Uncached" reuses one OpenSSL context, the
// fastest honest baseline; "cached" is the full hit path the server takes:
// building the key, the lookup, the move to front and copying the digest out.

#include "InsightService.h"

#include <QByteArray>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace dredge;
using Clock = std::chrono::steady_clock;

namespace {

template <typename F>
double nanosecondsPerCall(F&& f, int calls) {
    std::vector<double> rounds;
    for (int r = 0; r < 7; ++r) {
        const auto start = Clock::now();
        for (int i = 0; i < calls; ++i) {
            f();
        }
        rounds.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
                         calls);
    }
    std::sort(rounds.begin(), rounds.end());
    return rounds[rounds.size() / 2]; // median of 7 rounds
}

} // namespace

int main() {
    std::printf("%-22s %14s %14s %9s\n", "text", "uncached ns", "cached ns", "speedup");
    for (const int size : {40, 10 * 1024}) {
        const QByteArray text(size, 'q');
        const int calls = size < 1000 ? 200000 : 20000;
        Sha256 sha;
        volatile char sink = 0;
        const double uncached = nanosecondsPerCall([&] { sink = sha.hexDigest(text)[0]; }, calls);

        auto cache = makeInsightCache();
        cache->put(std::string(text.constData(), size_t(text.size())),
                   sha.hexDigest(text).toStdString());
        const double cached = nanosecondsPerCall(
            [&] {
                const auto hit = cache->get(std::string(text.constData(), size_t(text.size())));
                sink = hit->at(0);
            },
            calls);
        std::printf("%-22s %14.0f %14.0f %8.1fx\n",
                    (std::to_string(size) + "-byte repeated").c_str(), uncached, cached,
                    uncached / cached);
    }
    return 0;
}
