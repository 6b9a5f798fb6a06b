#include "dataset.hpp"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

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

namespace {

// dst[i] = src[i] · scale.
// In WebAssembly, clang 14 turns the plain loop (and Eigen's cast, and even
// explicit zero-extends + f32x4.convert_i32x4_u) into one scalar conversion per
// lane: it folds the extension into a u16 → float conversion that SIMD128
// lacks. The exponent trick stays in SIMD: for 0 ≤ n < 2²³ the float whose
// bits are 0x4B000000 | n is exactly 2²³ + n. Natively the plain loop
// vectorises. Results are bit-identical either way (n is exact in float).
void bytes_to_floats(const std::uint8_t* src, float* dst, Eigen::Index n, float scale) {
  Eigen::Index i = 0;
#ifdef __wasm_simd128__
  // Read through volatiles so that clang keeps the constants in locals rather
  // than rematerialising three v128.const in every iteration.
  static volatile std::int32_t magic_bits = 0x4B000000;
  static volatile float two23_value = 8388608.0f;
  const v128_t s = wasm_f32x4_splat(scale);
  const v128_t magic = wasm_i32x4_splat(magic_bits);
  const v128_t two23 = wasm_f32x4_splat(two23_value);
  auto convert = [&](v128_t u32) {
    return wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_or(u32, magic), two23), s);
  };
  for (; i + 16 <= n; i += 16) {
    const v128_t b = wasm_v128_load(src + i);
    const v128_t lo = wasm_u16x8_extend_low_u8x16(b), hi = wasm_u16x8_extend_high_u8x16(b);
    wasm_v128_store(dst + i, convert(wasm_u32x4_extend_low_u16x8(lo)));
    wasm_v128_store(dst + i + 4, convert(wasm_u32x4_extend_high_u16x8(lo)));
    wasm_v128_store(dst + i + 8, convert(wasm_u32x4_extend_low_u16x8(hi)));
    wasm_v128_store(dst + i + 12, convert(wasm_u32x4_extend_high_u16x8(hi)));
  }
#endif
  for (; i < n; ++i) dst[i] = static_cast<float>(src[i]) * scale;
}

}  // namespace

void gather_batch(const Dataset& data, const std::int32_t* order, Eigen::Ref<Matrix<float>> x,
                  Eigen::Ref<Matrix<float>> y) {
  constexpr float kScale = 1.0f / 255.0f;
  y.setZero();
  const Eigen::Index pixels = x.rows();
  // The images are scattered over the whole training set (tens of MB, beyond
  // the caches), and converting one image at a time leaves about one cache
  // miss in flight. Touching one byte per cache line of every image first
  // issues the misses together (WebAssembly has no prefetch instruction); the
  // conversion then reads from cache.
  std::uint32_t touched = 0;
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const std::uint8_t* p = data.images.col(order[j]).data();
    for (Eigen::Index i = 0; i < pixels; i += 64) touched += p[i];
    touched += p[pixels - 1];
  }
  static volatile std::uint32_t sink;
  sink = touched;
  (void)sink;
  // A copy per sample is unavoidable here: the batch is a gather.
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    bytes_to_floats(data.images.col(order[j]).data(), x.col(j).data(), pixels, kScale);
    y(data.labels[order[j]], j) = 1.0f;
  }
}

Splits make_splits(const Dataset& train_full, Dataset test, int validation) {
  if (train_full.size() == 0) throw IdxError("the training set has no images");
  if (test.size() == 0) throw IdxError("the test set has no images");
  if (validation < 0 || validation >= train_full.size())
    throw ConfigError("validation size " + std::to_string(validation) + " must be in [0, " +
                      std::to_string(train_full.size()) + ")");
  if (test.features() != train_full.features())
    throw IdxError("test images have " + std::to_string(test.features()) + " pixels, training images " +
                   std::to_string(train_full.features()));
  if (test.rows != train_full.rows ||
      test.cols != train_full.cols)  // the same number of pixels, another shape
    throw IdxError("test images are " + std::to_string(test.rows) + "x" + std::to_string(test.cols) +
                   ", training images " + std::to_string(train_full.rows) + "x" +
                   std::to_string(train_full.cols));
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
