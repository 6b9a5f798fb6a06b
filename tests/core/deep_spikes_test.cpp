// The report's open question, measured: its deep network 784-80-40-20-10,
// trained as the report's code trains (the "report-code" preset: the first
// 3,000 training images, Gaussian initialisation, slices, ½ of the summed
// gradient; SGD at 0.001, batches of 128, 100 epochs), shows spikes in its
// training accuracy late in training. Real MNIST; hidden from the default
// run (ctest label "report", from the release build, where it takes seconds).
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <vector>

#include "core/config_preset.hpp"
#include "core/dataset.hpp"
#include "core/idx.hpp"
#include "core/spike_detector.hpp"
#include "core/trainer.hpp"

TEST_CASE("the report's deep network in the report's code spikes in training accuracy",
          "[.][slow][deep-spikes]") {
  // README: seeds 1–5 all spiked after epoch 70 in this reading. Seed 1, measured (release, one thread):
  // 21 spikes, at epochs 11–34, 43–44 (−15.4 and +18.3 points), 71 and 81–82 (−13.3, +14.1); final
  // training accuracy 93.0 %; 7 s of CPU.
  constexpr std::uint64_t kSeed = 1;
  const auto start = std::chrono::steady_clock::now();
  const auto splits = mlp::load_mnist_dir(MLP_MNIST_DIR);
  mlp::TrainConfig c;
  mlp::apply(c, mlp::config_preset("report-code"));
  c.architecture.sizes = {784, 80, 40, 20, 10};
  c.seed = kSeed;
  mlp::Trainer t(c, std::make_shared<const mlp::Dataset>(splits.train));
  std::vector<double> accuracy;  // the training images' accuracy after each epoch (mlp_train --eval-train)
  while (t.progress().epoch < 100) {
    if (t.train_batches(1000).epoch_finished) accuracy.push_back(t.evaluate_training().accuracy);
  }
  const auto spikes = mlp::detect_spikes(accuracy);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "784-80-40-20-10, report-code, seed " << kSeed << ": " << spikes.size() << " spike(s) in "
            << seconds << " s; final training accuracy " << accuracy.back() << "\n";
  for (const auto& s : spikes) std::cout << "  epoch " << s.epoch << ": " << s.change * 100 << " points\n";
  CHECK(accuracy.size() == 100);
  REQUIRE(!spikes.empty());
}
