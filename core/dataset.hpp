#pragma once
// Labelled images kept as bytes (one column per image) and converted to
// floats in [0,1] only when a batch is gathered, so 60,000 MNIST images cost
// 47 MB, not 188 MB, and shuffling moves indices, not images.
#include <cstdint>
#include <string>
#include <vector>

#include "data_split.hpp"
#include "matrix.hpp"

namespace mlp {

struct Dataset {
  ByteMatrix images;                 // (rows*cols, n)
  std::vector<std::uint8_t> labels;  // (n)
  int rows = 28, cols = 28;
  int num_classes = 10;

  int size() const { return static_cast<int>(labels.size()); }
  int features() const { return static_cast<int>(images.rows()); }
  Dataset slice(int begin, int end) const;

  // Parses an images + labels IDX pair; throws IdxError (also when counts differ).
  static Dataset from_idx(const std::vector<std::uint8_t>& images, const std::vector<std::uint8_t>& labels,
                          const std::string& what);
};

// x.col(j) = image order[j] / 255, y.col(j) = one-hot label. b = x.cols().
void gather_batch(const Dataset& data, const std::int32_t* order, Eigen::Ref<Matrix<float>> x,
                  Eigen::Ref<Matrix<float>> y);

struct Splits {
  Dataset train, validation, test;
};

// The last `validation` training images become the validation split.
Splits make_splits(const Dataset& train_full, Dataset test, int validation);

// The four MNIST files from a folder (train-images-idx3-ubyte, ...).
Splits load_mnist_dir(const std::string& dir, int validation = kValidationImages);

}  // namespace mlp
