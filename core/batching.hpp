#pragma once
// Which samples make up the batches of an epoch, given the epoch's random
// permutation `order` of the n training samples and the batch size B.
//   Shuffled: batch k is order[kB .. kB+B) (the last one may be smaller):
//             every sample once per epoch.
//   Slices:   the course template's expression X[idxs[k] : idxs[k+B-1]] for
//             k in range(0, n-B, B): the contiguous run of samples between
//             two random indices, empty when the first is not smaller.
//             Batches vary from 0 to n-1 samples and some samples are seen
//             many times an epoch, others not at all.
#include <cstdint>
#include <vector>

#include "enum_names.hpp"

namespace mlp {

enum class Batching { Shuffled, Slices };
inline constexpr EnumNames<2> kBatchingNames{"shuffled", "slices"};

inline std::string to_string(Batching b) {
  return enum_name(kBatchingNames, b);
}

// The samples of one batch: count indices starting at samples.
struct BatchSpan {
  const std::int32_t* samples;
  int count;
};

inline int batches_per_epoch(Batching batching, int n, int batch_size) {
  if (batching == Batching::Shuffled) return (n + batch_size - 1) / batch_size;
  return n > batch_size ? (n - batch_size + batch_size - 1) / batch_size : 0;  // len(range(0, n-B, B))
}

// Batch k of an epoch. identity holds 0..n-1 (the slices index the data in order).
inline BatchSpan batch_span(Batching batching, const std::vector<std::int32_t>& order,
                            const std::vector<std::int32_t>& identity, int k, int batch_size) {
  const auto n = static_cast<int>(order.size());
  const int start = k * batch_size;
  if (batching == Batching::Shuffled)
    return {order.data() + start, n - start < batch_size ? n - start : batch_size};
  const int first = order[static_cast<std::size_t>(start)];
  const int last = order[static_cast<std::size_t>(start + batch_size - 1)];
  return {identity.data() + first, last > first ? last - first : 0};
}

}  // namespace mlp
