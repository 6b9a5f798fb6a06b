#include "dataset.hpp"

#include "errors.hpp"
#include "idx.hpp"

namespace mlp {

Dataset Dataset::slice(int begin, int end) const {
  Dataset out;
  out.rows = rows;
  out.cols = cols;
  out.num_classes = num_classes;
  out.images = images.middleCols(begin, end - begin);
  out.labels.assign(labels.begin() + begin, labels.begin() + end);
  return out;
}

Dataset Dataset::from_idx(const std::vector<std::uint8_t>& images, const std::vector<std::uint8_t>& labels,
                          const std::string& what) {
  auto parsed = parse_idx_images(images.data(), images.size(), what + "-images");
  auto parsed_labels = parse_idx_labels(labels.data(), labels.size(), what + "-labels");
  if (static_cast<std::size_t>(parsed.count) != parsed_labels.size())
    throw IdxError(what + ": " + std::to_string(parsed.count) + " images but " +
                   std::to_string(parsed_labels.size()) + " labels");
  Dataset out;
  out.rows = parsed.rows;
  out.cols = parsed.cols;
  out.images = std::move(parsed.pixels);
  out.labels = std::move(parsed_labels);
  return out;
}

void gather_batch(const Dataset& data, const std::int32_t* order, Eigen::Ref<Matrix<float>> x,
                  Eigen::Ref<Matrix<float>> y) {
  constexpr float kScale = 1.0f / 255.0f;
  y.setZero();
  const Eigen::Index pixels = x.rows();
  // A copy per sample is unavoidable here: the batch is a gather. The inner
  // loop is written on raw pointers because Eigen does not vectorise a
  // uint8 → float cast, while compilers do (SSE/AVX natively, SIMD128 in wasm).
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const std::uint8_t* __restrict src = data.images.col(order[j]).data();
    float* __restrict dst = x.col(j).data();
    for (Eigen::Index i = 0; i < pixels; ++i) dst[i] = static_cast<float>(src[i]) * kScale;
    y(data.labels[order[j]], j) = 1.0f;
  }
}

Splits make_splits(const Dataset& train_full, Dataset test, int validation) {
  if (validation < 0 || validation >= train_full.size())
    throw ConfigError("validation size " + std::to_string(validation) + " must be in [0, " +
                      std::to_string(train_full.size()) + ")");
  if (test.features() != train_full.features())
    throw IdxError("test images have " + std::to_string(test.features()) + " pixels, training images " +
                   std::to_string(train_full.features()));
  const int cut = train_full.size() - validation;
  return {train_full.slice(0, cut), train_full.slice(cut, train_full.size()), std::move(test)};
}

Splits load_mnist_dir(const std::string& dir, int validation) {
  auto file = [&](const char* name) { return read_file(dir + "/" + name); };
  auto train = Dataset::from_idx(file("train-images-idx3-ubyte"), file("train-labels-idx1-ubyte"), "train");
  auto test = Dataset::from_idx(file("t10k-images-idx3-ubyte"), file("t10k-labels-idx1-ubyte"), "test");
  return make_splits(train, std::move(test), validation);
}

}  // namespace mlp
