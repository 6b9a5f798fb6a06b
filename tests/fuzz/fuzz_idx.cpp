// libFuzzer target: the IDX readers and the dataset built from them.
// The input is read three ways: as an image file, as a label file, and as a
// pair [2-byte big-endian length L][L bytes of images][labels], which, when
// both parse, becomes a Dataset that is split and gathered from.
#include <cstdint>
#include <vector>

#include "core/dataset.hpp"
#include "core/errors.hpp"
#include "core/idx.hpp"
#include "core/matrix.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mlp::parse_idx_images(data, size, "images");
  } catch (const mlp::IdxError&) {
  }
  try {
    mlp::parse_idx_labels(data, size, "labels");
  } catch (const mlp::IdxError&) {
  }
  if (size < 3) return 0;
  const std::size_t split = std::min<std::size_t>(size - 2, (std::size_t{data[0]} << 8) | data[1]);
  const std::vector<std::uint8_t> images(data + 2, data + 2 + split), labels(data + 2 + split, data + size);
  try {
    const mlp::Dataset full = mlp::Dataset::from_idx(images, labels, "train");
    const int validation =
        full.size() > 0 ? static_cast<int>(data[2] % static_cast<unsigned>(full.size())) : 0;
    const mlp::Splits splits = mlp::make_splits(full, full, validation);
    const auto& train = splits.train;
    const int n = std::min(train.size(), 4);
    std::vector<std::int32_t> order;
    for (int j = 0; j < n; ++j) order.push_back(train.size() - 1 - j);
    mlp::Matrix<float> x(train.features(), n), y(train.num_classes, n);
    mlp::gather_batch(train, order.data(), x, y);
  } catch (const mlp::Error&) {
  }
  return 0;
}
