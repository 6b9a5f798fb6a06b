// Trainer: configuration checks, epoch bookkeeping, recovery from a
// diverging run, optimiser switches, evaluation and prediction.
#include "core/trainer.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "test_support.hpp"

using mlp::Matrix;
using mlp::OptimizerKind;

TEST_CASE("invalid training configurations are rejected with a message", "[trainer][config]") {
  mlp::TrainConfig c = mlp_test::small_config();
  const auto data = mlp_test::share(mlp_test::make_quadrants(16));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SECTION("valid") {
    CHECK_NOTHROW(mlp::Trainer(c, data));
  }
  SECTION("zero hidden size") {
    c.architecture.sizes = {16, 0, 4};
    REQUIRE_THROWS_AS(mlp::Trainer(c, data), mlp::ConfigError);
    REQUIRE_THROWS_WITH(mlp::Trainer(c, data), Catch::Contains("layer 1 has size 0"));
  }
  SECTION("negative output size") {
    c.architecture.sizes = {16, 8, -4};
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("layer 2 has size -4"));
  }
  SECTION("batch 0") {
    c.batch_size = 0;
    REQUIRE_THROWS_AS(mlp::Trainer(c, data), mlp::ConfigError);
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("batch size") && Catch::Contains("got 0"));
  }
  SECTION("negative batch") {
    c.batch_size = -8;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("batch size"));
  }
  SECTION("NaN learning rate") {
    c.optimizer.learning_rate = nan;
    REQUIRE_THROWS_AS(mlp::Trainer(c, data), mlp::ConfigError);
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("learning rate") && Catch::Contains("NaN"));
  }
  SECTION("absurd width") {
    c.architecture.sizes = {16, 1 << 20, 4};
    REQUIRE_THROWS_WITH(mlp::Trainer(c, data), Catch::Contains("maximum width"));
  }
  SECTION("absurd parameter count") {
    c.architecture.sizes = {60000, 60000, 60000};
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("parameters"));
  }
  SECTION("negative or NaN L2") {
    c.l2 = GENERATE(-0.1, std::numeric_limits<double>::quiet_NaN());
    REQUIRE_THROWS_AS(c.validate(), mlp::ConfigError);
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("L2"));
  }
}

TEST_CASE("training data must fit the network", "[trainer][config]") {
  mlp::TrainConfig c = mlp_test::small_config();
  SECTION("wrong image size") {
    REQUIRE_THROWS_WITH(mlp::Trainer(c, mlp_test::share(mlp_test::make_noise(10, 25, 4))),
                        Catch::Contains("25 pixels"));
  }
  SECTION("more classes than outputs") {
    REQUIRE_THROWS_WITH(mlp::Trainer(c, mlp_test::share(mlp_test::make_noise(10, 16, 10))),
                        Catch::Contains("10 classes"));
  }
  SECTION("an empty training set") {
    // With no batch in an epoch, training could never reach an epoch's end.
    const auto empty = mlp_test::share(mlp_test::make_quadrants(0));
    REQUIRE_THROWS_WITH(mlp::Trainer(c, empty), "the training set is empty");
    mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(16)));
    REQUIRE_THROWS_WITH(t.set_training_data(empty), "the training set is empty");
  }
  SECTION("no data: training refuses, prediction works") {
    mlp::Trainer t(c, nullptr);
    CHECK(t.batches_per_epoch() == 0);
    REQUIRE_THROWS_AS(t.train_batches(1), mlp::Error);
    REQUIRE_THROWS_WITH(t.train_batches(1), "no training data: load a dataset first");
    const Matrix<float> p = t.predict(Matrix<float>::Constant(16, 3, 0.5f));
    CHECK(p.rows() == 4);
    CHECK(p.cols() == 3);
    t.set_training_data(mlp_test::share(mlp_test::make_quadrants(16)));
    CHECK(t.train_batches(1).batches == 1);
  }
}

TEST_CASE("epochs are split into ceil(n / batch) batches, the last one partial", "[trainer]") {
  const auto data = mlp_test::share(mlp_test::make_quadrants(10));
  mlp::TrainConfig c = mlp_test::small_config();
  c.batch_size = 3;
  mlp::Trainer t(c, data);
  REQUIRE(t.batches_per_epoch() == 4);

  auto r = t.train_batches(100);  // stops at the end of the epoch
  CHECK(r.batches == 4);
  CHECK(r.samples == 10);
  CHECK(r.epoch_finished);
  REQUIRE(r.records != nullptr);
  CHECK(r.records->size() == 4);
  CHECK(t.progress().epoch == 1);
  CHECK(t.progress().batch_in_epoch == 0);
  CHECK(t.progress().step == 4);

  r = t.train_batches(2);
  CHECK(r.batches == 2);
  CHECK(r.samples == 6);
  CHECK_FALSE(r.epoch_finished);
  CHECK(t.progress().epoch == 1);
  CHECK(t.progress().batch_in_epoch == 2);
  CHECK(t.progress().step == 6);

  r = t.train_batches(5);
  CHECK(r.batches == 2);
  CHECK(r.samples == 4);  // 3 + the partial batch of 1
  CHECK(r.epoch_finished);
  CHECK(t.progress().epoch == 2);
  CHECK(t.progress().step == 8);
  CHECK(t.state().optimizer_steps == 8);

  REQUIRE_THROWS_AS(t.train_batches(0), mlp::ConfigError);
  REQUIRE_THROWS_WITH(t.train_batches(0), "the number of batches must be at least 1");
  CHECK(t.progress().step == 8);
}

TEST_CASE("every epoch is a new permutation of the training set", "[trainer][determinism]") {
  // The trainer records the random state each epoch's permutation is drawn
  // from (progress().epoch_rng_state): it must change at every epoch's start.
  const int n = 20;  // 3 batches of 8
  mlp::Trainer t(mlp_test::small_config(), mlp_test::share(mlp_test::make_quadrants(n)));
  auto order = [&] {
    mlp::Random rng(0);
    rng.set_state(mlp::Random::parse_state_hex(t.progress().epoch_rng_state));
    std::vector<std::int32_t> o(static_cast<std::size_t>(n));
    std::iota(o.begin(), o.end(), 0);
    rng.shuffle(o);
    return o;
  };
  std::vector<std::string> states;
  std::vector<std::vector<std::int32_t>> orders;
  for (int epoch = 0; epoch < 3; ++epoch) {
    t.train_batches(1);  // into the epoch: its permutation is drawn
    REQUIRE(t.progress().epoch == epoch);
    states.push_back(t.progress().epoch_rng_state);
    orders.push_back(order());
    t.train_batches(100);  // to the epoch's end
  }
  CHECK(states[0] != states[1]);
  CHECK(states[1] != states[2]);
  CHECK(orders[0] != orders[1]);
  CHECK(orders[1] != orders[2]);
  CHECK(orders[0] != orders[2]);
}

TEST_CASE("a batch larger than the training set makes one batch per epoch", "[trainer]") {
  mlp::TrainConfig c = mlp_test::small_config();
  c.batch_size = 64;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(10)));
  CHECK(t.batches_per_epoch() == 1);
  const auto r = t.train_batches(3);
  CHECK(r.batches == 1);
  CHECK(r.samples == 10);
  CHECK(r.epoch_finished);
}

TEST_CASE("train_batches with a huge batch count just finishes the epoch", "[trainer]") {
  mlp::Trainer t(mlp_test::small_config(), mlp_test::share(mlp_test::make_quadrants(20)));
  const auto r = t.train_batches(std::numeric_limits<int>::max());
  CHECK(r.batches == 3);
  CHECK(r.epoch_finished);
  // Nothing sized by the request: 2^31 batch records would be 16 GB (the
  // wasm build accepts up to 1e9 batches per call).
  CHECK(r.records->capacity() < 1000);
}

TEST_CASE("chunk loss and accuracy are per-sample means of the batch records", "[trainer]") {
  mlp::TrainConfig c = mlp_test::small_config();
  c.batch_size = 4;
  mlp::Trainer t(c, mlp_test::share(mlp_test::make_quadrants(18)));  // 4, 4, 4, 4, 2
  const auto r = t.train_batches(5);
  REQUIRE(r.batches == 5);
  double loss = 0, accuracy = 0;
  for (int i = 0; i < 5; ++i) {
    const double b = i < 4 ? 4 : 2;
    const auto& rec = (*r.records)[static_cast<std::size_t>(i)];
    CHECK(rec.loss > 0);
    CHECK(rec.accuracy >= 0);
    CHECK(rec.accuracy <= 1);
    CHECK(std::round(rec.accuracy * b) == Approx(rec.accuracy * b).margin(1e-5));  // k correct of b
    loss += rec.loss * b;
    accuracy += rec.accuracy * b;
  }
  CHECK(r.loss == Approx(loss / 18).epsilon(1e-6));
  CHECK(r.accuracy == Approx(accuracy / 18).epsilon(1e-6));
}

TEST_CASE("the first batch's loss is measured before the update", "[trainer]") {
  // One full-data batch: the record must equal evaluate() before training.
  mlp::TrainConfig c = mlp_test::small_config();
  c.batch_size = 16;
  const auto data = mlp_test::share(mlp_test::make_quadrants(16));
  mlp::Trainer t(c, data);
  const auto before = t.evaluate(*data);
  const auto r = t.train_batches(1);
  CHECK(r.loss == Approx(before.loss).epsilon(1e-5));
  CHECK(r.accuracy == Approx(before.accuracy));
}

TEST_CASE("a diverging run throws DivergedError and keeps the weights from before the call",
          "[trainer][divergence]") {
  const auto data = mlp_test::share(mlp_test::make_quadrants(64));

  SECTION("huge learning rate") {
    // ReLU layers feed each other's growth: at lr 100 on summed gradients
    // the weights explode within a few batches.
    mlp::TrainConfig c = mlp_test::small_config();
    c.architecture.hidden = mlp::Activation::Relu;
    c.architecture.output = mlp::OutputLoss::SoftmaxCe;
    c.architecture.sizes = {16, 32, 32, 32, 4};
    c.optimizer.learning_rate = 100;  // the largest accepted
    c.gradient = mlp::GradientScale::Sum;
    constexpr int kChunk = 4;

    // Where does it diverge? A twin run, one batch per call.
    mlp::Trainer twin(c, data);
    long long first_bad_step = -1;
    for (int call = 0; call < 400 && first_bad_step < 0; ++call) {
      try {
        twin.train_batches(1);
      } catch (const mlp::DivergedError&) {
        first_bad_step = twin.progress().step;
      }
    }
    REQUIRE(first_bad_step >= 0);

    mlp::Trainer t(c, data);
    bool diverged = false;
    for (int call = 0; call < 400 && !diverged; ++call) {
      const mlp::Vector<float> before = t.network().parameters();
      const mlp::Progress progress = t.progress();
      const long long steps = t.state().optimizer_steps;
      try {
        t.train_batches(kChunk);
      } catch (const mlp::DivergedError& e) {
        diverged = true;
        CHECK_THAT(e.what(), Catch::StartsWith("training diverged: the loss became"));
        CHECK(mlp_test::all_finite(t.network().parameters()));
        CHECK(t.network().parameters() == before);
        CHECK(t.progress().step == progress.step);
        CHECK(t.progress().epoch == progress.epoch);
        CHECK(t.progress().batch_in_epoch == progress.batch_in_epoch);
        CHECK(t.state().optimizer_steps == steps);
        // The twin saw the same batches: the chunk failed where the twin did.
        CHECK(progress.step <= first_bad_step);
        CHECK(first_bad_step < progress.step + kChunk);
        CHECK(first_bad_step > progress.step);  // updates of this chunk were rolled back
      }
    }
    REQUIRE(diverged);
  }

  SECTION("an update that blows up on the chunk's second batch") {
    // All weights 1e18 (biases too): every hidden unit and every logit is the
    // same, so the first batch has the finite loss ln 4. Its SGD step at
    // lr 100 spreads the output weights to ~1e21, and the second batch's
    // logits (~1e40) overflow float. The chunk must roll back that first update.
    mlp::TrainConfig c = mlp_test::small_config();
    c.architecture.hidden = mlp::Activation::Relu;
    c.architecture.output = mlp::OutputLoss::SoftmaxCe;
    c.optimizer.learning_rate = 100;
    c.gradient = mlp::GradientScale::Sum;
    mlp::TrainerState s = mlp::Trainer(c, data).state();
    s.parameters.setConstant(1e18f);
    mlp::Trainer t(s, data);
    const mlp::Vector<float> before = t.network().parameters();

    mlp::Trainer probe(s, data);  // the same run, one batch at a time
    const auto first = probe.train_batches(1);
    REQUIRE(first.loss == Approx(std::log(4.0)));
    REQUIRE(probe.network().parameters() != before);  // the first batch did update
    REQUIRE_THROWS_AS(probe.train_batches(1), mlp::DivergedError);

    REQUIRE_THROWS_AS(t.train_batches(3), mlp::DivergedError);
    CHECK(t.network().parameters() == before);
    CHECK(t.progress().step == 0);
    CHECK(t.progress().batch_in_epoch == 0);
    CHECK(t.state().optimizer_steps == 0);
    // Deterministic: the same call fails the same way again, on the second batch.
    REQUIRE_THROWS_AS(t.train_batches(3), mlp::DivergedError);
    REQUIRE_THROWS_WITH(t.train_batches(3), Catch::StartsWith("training diverged: the loss became") &&
                                                Catch::Contains("at epoch 1, batch 2 "));
    CHECK(t.network().parameters() == before);
  }

  SECTION("weights that overflow the forward pass") {
    mlp::TrainConfig c = mlp_test::small_config(OptimizerKind::Momentum);
    mlp::Trainer fresh(c, data);
    mlp::TrainerState s = fresh.state();
    s.parameters.setConstant(3e38f);  // finite, but W x overflows to infinity
    mlp::Trainer t(s, data);
    const mlp::Vector<float> before = t.network().parameters();
    REQUIRE_THROWS_AS(t.train_batches(3), mlp::DivergedError);
    // Every logit is +inf, and max(z,0) - z y of the BCE loss is inf - inf:
    // NaN, caught on the first batch.
    REQUIRE_THROWS_WITH(t.train_batches(3),
                        Catch::StartsWith("training diverged: the loss became NaN at epoch 1, batch 1 "));
    CHECK(t.network().parameters() == before);
    CHECK(t.progress().step == 0);
    CHECK(t.state().optimizer_state[0].second.isZero(0));
  }
}

TEST_CASE("an update that makes a weight infinite while every loss stays finite is caught after the chunk",
          "[trainer][divergence]") {
  // Pixel 0 is 0 in every image, so the weight W1(0, 0) it feeds neither
  // changes the loss nor gets a gradient from it; only the L2 term moves it:
  // w ← w - η(0 + λw) = (1 - ηλ) w = -9 w at η = 1, λ = 10 (the largest
  // accepted). From 3e37 the first update gives -2.7e38 (finite), the second
  // +inf (float ends at 3.4e38), while the loss of both batches is finite:
  // only the weights check at the end of the chunk can see it.
  mlp::Dataset d = mlp_test::make_quadrants(64);
  d.images.row(0).setZero();
  const auto data = mlp_test::share(std::move(d));
  mlp::TrainConfig c = mlp_test::small_config();  // SGD, sigmoid, sigmoid + BCE
  c.optimizer.learning_rate = 1;
  c.l2 = 10;
  mlp::TrainerState s = mlp::Trainer(c, data).state();
  s.parameters[0] = 3e37f;  // W1(0, 0): layer 0's W comes first, column-major (out, in)

  // One batch: the weight is still finite, and the loss was too.
  mlp::Trainer probe(s, data);
  const auto first = probe.train_batches(1);
  REQUIRE(std::isfinite(first.loss));
  REQUIRE(probe.network().parameters()[0] == Approx(-2.7e38));
  REQUIRE(mlp_test::all_finite(probe.network().parameters()));

  // Two batches in one chunk: the second update overflows.
  mlp::Trainer t(s, data);
  const mlp::Vector<float> before = t.network().parameters();
  REQUIRE_THROWS_AS(t.train_batches(2), mlp::DivergedError);
  CHECK(t.network().parameters() == before);
  CHECK(t.progress().step == 0);
  CHECK(t.progress().epoch == 0);
  CHECK(t.progress().batch_in_epoch == 0);
  CHECK(t.state().optimizer_steps == 0);
  // The message names the chunk's last batch (the check runs once per chunk).
  REQUIRE_THROWS_WITH(t.train_batches(2),
                      Catch::StartsWith("training diverged: a weight became NaN or infinite "
                                        "at epoch 1, batch 2 ") &&
                          Catch::Contains("learning rate 1.0") &&
                          Catch::Contains("the weights from before this chunk were kept"));
  CHECK(t.network().parameters() == before);
  // Kept weights are usable: the probe's single batch still trains from them.
  CHECK(t.train_batches(1).batches == 1);
}

TEST_CASE("set_optimizer switches optimiser without touching the weights", "[trainer]") {
  const auto data = mlp_test::share(mlp_test::make_quadrants(32));
  mlp::Trainer t(mlp_test::small_config(OptimizerKind::Momentum), data);
  t.train_batches(3);
  const mlp::Vector<float> weights = t.network().parameters();
  REQUIRE_FALSE(t.state().optimizer_state[0].second.isZero(0));

  mlp::OptimizerConfig adam;
  adam.kind = OptimizerKind::Adam;
  adam.learning_rate = 0.01;
  t.set_optimizer(adam);
  CHECK(t.network().parameters() == weights);
  CHECK(t.config().optimizer.kind == OptimizerKind::Adam);
  const auto s = t.state();
  REQUIRE(s.optimizer_state.size() == 2);
  CHECK(s.optimizer_state[0].second.isZero(0));
  CHECK(s.optimizer_state[1].second.isZero(0));
  CHECK(s.optimizer_steps == 0);
  CHECK(t.progress().step == 3);  // progress is kept

  t.train_batches(1);
  CHECK(t.network().parameters() != weights);
  // Adam's first step moves every weight with a non-zero gradient by about lr.
  const float moved = (t.network().parameters() - weights).cwiseAbs().maxCoeff();
  CHECK(moved == Approx(0.01).epsilon(0.01));

  mlp::OptimizerConfig bad = adam;
  bad.beta2 = 1.0;
  REQUIRE_THROWS_AS(t.set_optimizer(bad), mlp::ConfigError);
  REQUIRE_THROWS_WITH(t.set_optimizer(bad), Catch::Contains("beta2"));
  CHECK(t.config().optimizer.kind == OptimizerKind::Adam);
  CHECK_NOTHROW(t.train_batches(1));
}

TEST_CASE("set_learning_rate validates and is recorded in the config", "[trainer][config]") {
  mlp::Trainer t(mlp_test::small_config(), mlp_test::share(mlp_test::make_quadrants(16)));
  t.set_learning_rate(0.05);
  CHECK(t.config().optimizer.learning_rate == 0.05);
  CHECK(t.state().config.optimizer.learning_rate == 0.05);
  REQUIRE_THROWS_AS(t.set_learning_rate(-1), mlp::ConfigError);
  REQUIRE_THROWS_WITH(t.set_learning_rate(-1), Catch::Contains("learning rate") && Catch::Contains("got -1"));
  REQUIRE_THROWS_AS(t.set_learning_rate(std::nan("")), mlp::ConfigError);
  REQUIRE_THROWS_WITH(t.set_learning_rate(std::nan("")),
                      Catch::Contains("learning rate") && Catch::Contains("NaN"));
  CHECK(t.config().optimizer.learning_rate == 0.05);
}

TEST_CASE("evaluate agrees with predict: loss, accuracy and confusion matrix", "[trainer][evaluation]") {
  const auto output = GENERATE(mlp::OutputLoss::SoftmaxCe, mlp::OutputLoss::SigmoidBce);
  CAPTURE(mlp::to_string(output));
  const auto data = mlp_test::share(mlp_test::make_quadrants(37));
  mlp::TrainConfig c = mlp_test::small_config();
  c.architecture.output = output;
  mlp::Trainer t(c, data);
  t.train_batches(2);  // partly trained: some right, some wrong

  const auto e = t.evaluate(*data);
  CHECK(e.count == 37);
  CHECK(e.classes == 4);
  REQUIRE(e.confusion.size() == 16);

  Matrix<float> x(16, 37);
  for (int j = 0; j < 37; ++j) x.col(j) = data->images.col(j).cast<float>() / 255.0f;
  const Matrix<float> p = t.predict(x);
  REQUIRE(p.rows() == 4);
  REQUIRE(p.cols() == 37);
  std::vector<int> confusion(16, 0);
  double loss = 0;
  int correct = 0;
  for (int j = 0; j < 37; ++j) {
    Eigen::Index guess = 0;
    p.col(j).maxCoeff(&guess);
    const int truth = data->labels[static_cast<std::size_t>(j)];
    ++confusion[static_cast<std::size_t>(truth * 4 + guess)];
    correct += guess == truth;
    for (int k = 0; k < 4; ++k) {
      const double pk = p(k, j), yk = k == truth;
      if (output == mlp::OutputLoss::SoftmaxCe)
        loss -= yk * std::log(pk);
      else
        loss -= yk * std::log(pk) + (1 - yk) * std::log(1 - pk);
    }
  }
  CHECK(e.confusion == confusion);
  int total = 0, diagonal = 0;
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 4; ++k) {
      total += e.confusion[static_cast<std::size_t>(i * 4 + k)];
      if (i == k) diagonal += e.confusion[static_cast<std::size_t>(i * 4 + k)];
    }
  CHECK(total == e.count);
  CHECK(e.accuracy == Approx(static_cast<double>(diagonal) / e.count));
  CHECK(e.accuracy == Approx(static_cast<double>(correct) / 37));
  CHECK(e.loss == Approx(loss / 37).epsilon(1e-4));
}

TEST_CASE("evaluation gives the same result whatever the chunk size", "[evaluation]") {
  const auto data = mlp_test::make_quadrants(23);
  mlp::Architecture arch;
  arch.sizes = {16, 5, 4};
  arch.output = mlp::OutputLoss::SoftmaxCe;
  mlp::Network<float> net(arch);
  mlp::Random rng(8);
  net.initialize(rng);
  const auto whole = mlp::evaluate(net, data, 1000);
  for (int chunk : {1, 4, 7, 23}) {
    CAPTURE(chunk);
    const auto e = mlp::evaluate(net, data, chunk);
    CHECK(e.count == whole.count);
    CHECK(e.confusion == whole.confusion);
    CHECK(e.accuracy == whole.accuracy);
    CHECK(e.loss == Approx(whole.loss).epsilon(1e-6));
  }
  const auto empty = mlp::evaluate(net, data.slice(0, 0));
  CHECK(empty.count == 0);
}

TEST_CASE("argmax_columns picks the largest entry of each column", "[evaluation]") {
  Matrix<float> p(3, 4);
  p << 0.1f, 0.7f, 0.2f, 0.0f,  //
      0.8f, 0.2f, 0.3f, 0.0f,   //
      0.1f, 0.1f, 0.5f, 1.0f;
  std::vector<int> out{9, 9, 9, 9, 9, 9};
  mlp::argmax_columns(p, out);
  CHECK(out == std::vector<int>{1, 0, 2, 2});
}

TEST_CASE("predict and evaluate reject data that does not fit the network", "[trainer]") {
  mlp::Trainer t(mlp_test::small_config(), nullptr);  // 16 inputs, 4 outputs
  REQUIRE_THROWS_AS(t.predict(Matrix<float>::Zero(15, 2)), mlp::Error);
  REQUIRE_THROWS_WITH(t.predict(Matrix<float>::Zero(15, 2)),
                      "an image has 15 pixels, the network expects 16");
  REQUIRE_THROWS_AS(t.evaluate(mlp_test::make_noise(4, 25, 4)), mlp::Error);
  REQUIRE_THROWS_WITH(t.evaluate(mlp_test::make_noise(4, 25, 4)),
                      "images have 25 pixels, the network expects 16");
  // Labels up to 9 for a 4-output network: must be an error, not writes
  // outside the one-hot targets and the 4×4 confusion matrix.
  REQUIRE_THROWS_AS(t.evaluate(mlp_test::make_noise(30, 16, 10)), mlp::Error);
  REQUIRE_THROWS_WITH(t.evaluate(mlp_test::make_noise(30, 16, 10)), Catch::Contains("10 classes"));
}

TEST_CASE("a saved position beyond the end of the epoch starts a fresh epoch", "[trainer]") {
  // E.g. a model file edited by hand, or saved on a larger training set.
  const auto data = mlp_test::share(mlp_test::make_quadrants(20));  // 3 batches of 8
  mlp::TrainerState s = mlp::Trainer(mlp_test::small_config(), data).state();
  const bool with_epoch_state = GENERATE(false, true);
  s.progress.batch_in_epoch = 1000;
  s.progress.epoch_rng_state = with_epoch_state ? mlp::Random(5).state_hex() : "";
  mlp::Trainer t(s, data);
  CHECK(t.progress().batch_in_epoch == 0);
  const auto r = t.train_batches(10);
  CHECK(r.batches == 3);
  CHECK(r.samples == 20);
  CHECK(r.epoch_finished);
}
