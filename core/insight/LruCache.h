#pragma once
// A thread-safe least-recently-used cache with O(1) lookup and update, bounded
// both by entry count and by a byte budget (so that a thousand one-megabyte
// keys cannot pin a gigabyte). Keys are stored once: the index refers to the
// key inside its list node, whose address never changes. No Qt.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace dredge {

struct CacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    size_t entries = 0;
    size_t bytes = 0;
    size_t capacity = 0;
    size_t byteBudget = 0;
};

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class LruCache {
public:
    // Bytes an entry is charged: by default sizeof both, plus a fixed overhead
    // for the list node and index slot.
    using SizeOf = std::function<size_t(const Key&, const Value&)>;
    static constexpr size_t kEntryOverhead = 64;

    LruCache(size_t capacity, size_t byteBudget, SizeOf sizeOf = {})
        : capacity_(capacity)
        , byteBudget_(byteBudget)
        , sizeOf_(sizeOf ? std::move(sizeOf) : SizeOf([](const Key&, const Value&) {
            return sizeof(Key) + sizeof(Value);
        })) {}

    LruCache(const LruCache&) = delete;
    LruCache& operator=(const LruCache&) = delete;

    // The value for key, now the most recently used; counts a hit or a miss.
    std::optional<Value> get(const Key& key) {
        std::lock_guard lock(mutex_);
        const auto found = index_.find(std::cref(key));
        if (found == index_.end()) {
            ++misses_;
            return std::nullopt;
        }
        ++hits_;
        entries_.splice(entries_.begin(), entries_, found->second);
        return found->second->value;
    }

    // Inserts or replaces key's value, then evicts least recently used entries
    // until both bounds hold. An entry larger than the whole budget is not kept.
    void put(Key key, Value value) {
        const size_t bytes = sizeOf_(key, value) + kEntryOverhead;
        std::lock_guard lock(mutex_);
        if (const auto found = index_.find(std::cref(key)); found != index_.end()) {
            const auto entry = found->second;
            bytes_ -= entry->bytes;
            index_.erase(found);
            entries_.erase(entry);
        }
        if (capacity_ == 0 || bytes > byteBudget_) {
            return;
        }
        entries_.push_front(Entry{std::move(key), std::move(value), bytes});
        index_.emplace(std::cref(entries_.front().key), entries_.begin());
        bytes_ += bytes;
        while (entries_.size() > capacity_ || bytes_ > byteBudget_) {
            auto& oldest = entries_.back();
            bytes_ -= oldest.bytes;
            index_.erase(std::cref(oldest.key));
            entries_.pop_back();
            ++evictions_;
        }
    }

    void clear() {
        std::lock_guard lock(mutex_);
        index_.clear();
        entries_.clear();
        bytes_ = 0;
    }

    CacheStats stats() const {
        std::lock_guard lock(mutex_);
        return {hits_, misses_, evictions_, entries_.size(), bytes_, capacity_, byteBudget_};
    }

private:
    struct Entry {
        Key key;
        Value value;
        size_t bytes;
    };
    using KeyRef = std::reference_wrapper<const Key>;
    struct RefHash {
        size_t operator()(KeyRef k) const { return Hash{}(k.get()); }
    };
    struct RefEqual {
        bool operator()(KeyRef a, KeyRef b) const { return a.get() == b.get(); }
    };

    mutable std::mutex mutex_;
    std::list<Entry> entries_; // most recently used first
    std::unordered_map<KeyRef, typename std::list<Entry>::iterator, RefHash, RefEqual> index_;
    size_t capacity_;
    size_t byteBudget_;
    SizeOf sizeOf_;
    size_t bytes_ = 0;
    uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

} // namespace dredge
