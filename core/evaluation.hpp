#pragma once
// Loss, accuracy and confusion matrix of a network on a dataset, and class
// probabilities for any images.
#include <vector>

#include "dataset.hpp"
#include "network.hpp"

namespace mlp {

struct Evaluation {
  double loss = 0;      // mean per sample of L (without the λΩ term)
  double accuracy = 0;  // fraction in [0, 1]
  int count = 0;
  int classes = 0;
  std::vector<int> confusion;  // (classes × classes), row-major: [true][predicted]
};

// Whether all n values at p are finite (vectorised: for checking inputs fast).
bool all_finite(const float* p, Eigen::Index n);

// Index of the largest entry of each column.
void argmax_columns(const Eigen::Ref<const Matrix<float>>& p, std::vector<int>& out);

// Class probabilities and the predicted class of every sample of a dataset.
struct Predictions {
  Matrix<float> probabilities;          // (out, n)
  std::vector<std::uint8_t> predicted;  // (n)
};

// Both run the network over `data` (evaluate: its first `count` samples, all
// when count < 0) in chunks of at most `chunk` samples. With a pool, each
// chunk's forward pass runs as the network's sample tiles on its threads
// (Network::forward_tiles: the same results on any thread count).
Evaluation evaluate(Network<float>& net, const Dataset& data, int chunk = 1000, int count = -1,
                    ThreadPool* pool = nullptr);
Predictions predict_dataset(Network<float>& net, const Dataset& data, int chunk = 1000,
                            ThreadPool* pool = nullptr);

// Probabilities (out, n) for images x: (in, n) in [0, 1].
Matrix<float> predict(Network<float>& net, const Eigen::Ref<const Matrix<float>>& x, int chunk = 1000,
                      ThreadPool* pool = nullptr);

}  // namespace mlp
