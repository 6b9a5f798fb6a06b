// mlp_train --load FILE --trace N: the built command, run on a saved tiny
// model and synthetic IDX files in a temporary folder, prints one JSON object
// with the fields the page and the README name, whose numbers are the core's
// trace of the same image; bad arguments get short, specific errors.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "core/model_file.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

using mlp_test::Run;
using mlp_test::run_cli;
using mlp_test::write_idx;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A temporary folder with MNIST's four file names (quadrant images, 4×4) and
// a model trained a few batches on them; removed at the end.
struct Fixture {
  fs::path dir;
  mlp::Dataset train_full = mlp_test::make_quadrants(40, 4, 3), test = mlp_test::make_quadrants(12, 4, 4);
  mlp::TrainerState state;

  Fixture() {
    char name[] = "/tmp/mlp-cli-trace-XXXXXX";
    REQUIRE(mkdtemp(name));
    dir = name;
    write_idx(train_full, dir / "train-images-idx3-ubyte", dir / "train-labels-idx1-ubyte");
    write_idx(test, dir / "t10k-images-idx3-ubyte", dir / "t10k-labels-idx1-ubyte");
    mlp::TrainConfig c = mlp_test::small_config(mlp::OptimizerKind::Momentum);
    c.architecture.sizes = {16, 7, 5, 4};
    c.architecture.hidden = mlp::Activation::Tanh;
    c.l2 = 1e-3;
    c.optimizer.learning_rate = 0.1;
    mlp::Trainer t(c, mlp_test::share(train_full.slice(0, 30)));
    t.train_batches(3);
    state = t.state();
    const auto bytes = mlp::save_model(state);
    std::ofstream(dir / "model.safetensors", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  ~Fixture() { fs::remove_all(dir); }

  std::string args(const std::string& more) const {
    return "--load " + (dir / "model.safetensors").string() + " --data " + dir.string() +
           " --validation 10 " + more;
  }
};

std::vector<double> flat(const json& rows) {
  std::vector<double> out;
  for (const auto& row : rows)
    for (const auto& v : row) out.push_back(v.get<double>());
  return out;
}

void check_vector(const json& j, const mlp::Vector<double>& v) {
  REQUIRE(j.size() == static_cast<std::size_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i) CHECK(j[static_cast<std::size_t>(i)].get<double>() == v[i]);
}

}  // namespace

TEST_CASE("mlp_train --trace prints one image's backpropagation as one JSON object", "[cli][trace]") {
  const Fixture f;
  const auto split = GENERATE(std::string("test"), std::string("validation"), std::string("train"));
  const int index = 7;
  CAPTURE(split);
  const Run r = run_cli(
      f.args("--trace " + std::to_string(index) + (split == "test" ? "" : " --trace-split " + split)));
  CAPTURE(r.out);
  REQUIRE(r.status == 0);
  const json j = json::parse(r.out);  // one object and nothing else on stdout or stderr
  REQUIRE(j.is_object());

  // The same image, traced by the core in this process.
  const mlp::Splits splits = mlp::make_splits(f.train_full, f.test, 10);
  const mlp::Dataset& data = split == "test"         ? splits.test
                             : split == "validation" ? splits.validation
                                                     : splits.train;
  mlp::Matrix<float> x(16, 1), y(4, 1);
  mlp::gather_batch(data, &index, x, y);
  const mlp::Trainer trainer(f.state, nullptr);
  const mlp::BackpropTrace t = trainer.trace_backprop(x.col(0), data.labels[index]);

  CHECK(j.at("split") == split);
  CHECK(j.at("index") == index);
  CHECK(j.at("label") == data.labels[index]);
  CHECK(j.at("loss").get<double>() == t.loss);
  CHECK(j.at("layers") == "16-7-5-4");
  CHECK(j.at("gradient_factor").get<double>() == t.factor);
  CHECK(j.at("l2").get<double>() == t.l2);

  const auto& sizes = f.state.config.architecture.sizes;
  const json& forward = j.at("forward");
  REQUIRE(forward.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(forward[k].at("layer") == k + 1);
    check_vector(forward[k].at("a"), t.forward[k].a);
    check_vector(forward[k].at("h"), t.forward[k].h);
    CHECK(forward[k].at("h").size() == static_cast<std::size_t>(sizes[k + 1]));
  }
  const json& backward = j.at("backward");
  REQUIRE(backward.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const int layer = 3 - static_cast<int>(i);  // K..1, Fig. 1's order
    const auto& b = t.backward[i];
    CHECK(backward[i].at("layer") == layer);
    check_vector(backward[i].at("G_a"), b.g_a);
    check_vector(backward[i].at("grad_b"), b.grad_b);
    check_vector(backward[i].at("G_h_prev"), b.g_h_prev);
    const json& rows = backward[i].at("grad_W");
    REQUIRE(rows.size() == static_cast<std::size_t>(sizes[layer]));  // [out][in]
    REQUIRE(rows[0].size() == static_cast<std::size_t>(sizes[layer - 1]));
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w = b.grad_w;
    const std::vector<double> flat_w = flat(rows);
    CHECK(flat_w == std::vector<double>(w.data(), w.data() + w.size()));
  }
  const json& checks = j.at("gradient_check");
  REQUIRE(checks.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(checks[i].at("layer") == 3 - static_cast<int>(i));
    CHECK(checks[i].at("checked").get<int>() == t.gradient_check[i].checked);
    CHECK(checks[i].at("checked").get<int>() + checks[i].at("kinks").get<int>() == 20);
    CHECK(checks[i].at("max_relative_error").get<double>() < 1e-6);
    CHECK(checks[i].at("max_relative_error").get<double>() == t.gradient_check[i].max_relative_error);
    CHECK(checks[i].at("parameters").size() == 20);
  }
  CHECK(j.at("output_check").at("max_relative_error").get<double>() < 1e-6);
  const json& d = j.at("derivation");
  CHECK(d.at("loss") == "sigmoid-bce");
  for (const char* column : {"y", "y_hat", "dL_dy_hat", "sigma_prime", "product", "delta"})
    CHECK(d.at(column).size() == 4);
  check_vector(d.at("product"), t.derivation.product);
  const json& step = j.at("step");
  CHECK(step.at("optimizer") == "momentum");
  CHECK(step.at("learning_rate").get<double>() == 0.1);
  CHECK(step.at("loss_before").get<double>() == t.step.loss_before);
  CHECK(step.at("loss_after").get<double>() == t.step.loss_after);
  CHECK(step.at("top_pixels").size() == 10);
  CHECK(step.at("top_pixels")[0].at("pixel").get<int>() == t.step.top_pixels[0].first);
  check_vector(step.at("pixel_change"), t.step.pixel_change);
}

TEST_CASE("mlp_train --trace refuses bad arguments with short, specific errors", "[cli][trace]") {
  const Fixture f;
  const auto refused = [](const Run& r, const std::string& message) {
    CAPTURE(r.out);
    CHECK(r.status == 2);
    CHECK(r.out == "mlp_train: " + message + "\n");
  };
  refused(run_cli("--trace 3 --data " + f.dir.string()), "--trace needs --load FILE (the model to trace)");
  refused(run_cli(f.args("--trace 12")), "--trace 12 is out of range: the test split has 12 images (0..11)");
  refused(run_cli(f.args("--trace 10 --trace-split validation")),
          "--trace 10 is out of range: the validation split has 10 images (0..9)");
  refused(run_cli(f.args("--trace 0 --trace-split training")),
          "--trace-split must be test, validation or train, got 'training'");
  refused(run_cli(f.args("--trace-split test")), "--trace-split needs --trace N");
  refused(run_cli(f.args("--trace -1")), "--trace must be between 0 and 2147483647, got -1");
  refused(run_cli(f.args("--trace 0 --save " + (f.dir / "x.safetensors").string())),
          "--trace trains nothing: --save has nothing to write");
}
