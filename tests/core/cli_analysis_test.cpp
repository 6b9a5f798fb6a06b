// mlp_train's analysis: --lr-find prints the core's range test as one JSON
// object and trains nothing; the final line carries the run's spikes (from
// the curve it says) and its cost; --record-steps writes every N-th batch's
// step as a JSON line; --help lists them and --clip-norm; bad combinations
// get short, specific errors. The built command on synthetic IDX files.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "core/data_split.hpp"
#include "core/lr_range_test.hpp"
#include "core/spike_detector.hpp"
#include "core/trainer.hpp"
#include "core/training_cost.hpp"
#include "test_support.hpp"

using mlp_test::Run;
using mlp_test::run_cli;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A temporary folder with MNIST's four file names (quadrant images, 4×4); removed at the end.
struct Folder {
  fs::path dir;
  mlp::Dataset train = mlp_test::make_quadrants(220, 4, 3), test = mlp_test::make_quadrants(40, 4, 4);

  Folder() {
    char name[] = "/tmp/mlp-cli-analysis-XXXXXX";
    REQUIRE(mkdtemp(name));
    dir = name;
    mlp_test::write_idx(train, dir / "train-images-idx3-ubyte", dir / "train-labels-idx1-ubyte");
    mlp_test::write_idx(test, dir / "t10k-images-idx3-ubyte", dir / "t10k-labels-idx1-ubyte");
  }
  ~Folder() { fs::remove_all(dir); }

  // 200 images to train on, 20 held out; a small network that learns them (10 outputs: IDX labels are
  // MNIST's 10 classes).
  std::string args(const std::string& more) const {
    return "--data " + dir.string() +
           " --validation 20 --layers 16-8-10 --lr 0.5 --batch 8 --seed 5 --threads 1 " + "--no-progress " +
           more;
  }
};

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') out.push_back(json::parse(line));
  return out;
}

}  // namespace

TEST_CASE("mlp_train --lr-find prints the core's range test as one JSON object", "[cli][lr-range]") {
  const Folder f;
  const Run r = run_cli(f.args("--lr-find --lr-find-batches 30 --lr-find-start 1e-4 --lr-find-end 50"));
  CAPTURE(r.out);
  REQUIRE(r.status == 0);
  const json j = json::parse(r.out);  // one object and nothing else on stdout or stderr

  mlp::TrainConfig c = mlp_test::small_config();
  c.architecture.sizes = {16, 8, 10};
  c.optimizer.learning_rate = 0.5;
  c.seed = 5;
  const mlp::Trainer trainer(c, mlp_test::share(mlp::make_splits(f.train, f.test, 20).train));
  const mlp::LrRangeResult core = mlp::lr_range_test(trainer, {1e-4, 50, 30});
  CHECK(j.at("rates").get<std::vector<double>>() == core.rates);
  CHECK(j.at("losses").size() == core.losses.size());
  CHECK(j.at("smoothed").size() == core.smoothed.size());
  CHECK(j.at("pick").get<double>() == core.pick);
  CHECK(j.at("pick_index").get<int>() == core.pick_index);
  CHECK(j.at("reason").get<std::string>() == core.reason);
  CHECK(core.rates.size() <= 30);
}

TEST_CASE("mlp_train's final line has the run's spikes, from the curve it names, and its cost",
          "[cli][spikes]") {
  const Folder f;
  const bool eval_train = GENERATE(false, true);
  CAPTURE(eval_train);
  const Run r = run_cli(f.args(std::string("--epochs 14") + (eval_train ? " --eval-train" : "")));
  CAPTURE(r.out);
  REQUIRE(r.status == 0);
  const auto lines = json_lines(r.out);
  REQUIRE(lines.size() == 15);
  const json& last = lines.back();
  REQUIRE(last.at("final") == true);
  const std::string column = eval_train ? "train_eval_accuracy" : "train_accuracy";
  CHECK(last.at("spike_source") == column);
  std::vector<double> curve;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) curve.push_back(lines[i].at(column).get<double>());
  const auto spikes = mlp::detect_spikes(curve);
  REQUIRE(last.at("spikes").size() == spikes.size());
  for (std::size_t i = 0; i < spikes.size(); ++i) {
    CHECK(last.at("spikes")[i].at("epoch") == spikes[i].epoch);
    CHECK(last.at("spikes")[i].at("change").get<double>() == Approx(spikes[i].change));
  }
  const mlp::TrainingCost cost = mlp::training_cost({16, 8, 10});
  CHECK(last.at("cost").at("parameters") == cost.parameters);
  CHECK(last.at("cost").at("flops_per_sample").get<double>() == cost.flops_per_sample);
  CHECK(cost.parameters == 16 * 8 + 8 + 8 * 10 + 10);
}

TEST_CASE("mlp_train --record-steps writes every n-th batch's step as a JSON line", "[cli][dynamics]") {
  const Folder f;
  const bool slices = GENERATE(false, true);
  CAPTURE(slices);
  const fs::path file = f.dir / "steps.jsonl";
  const Run r = run_cli(f.args("--epochs 2 --record-steps " + file.string() + " --record-every 2" +
                               (slices ? " --batching slices --gradient half" : "")));
  CAPTURE(r.out);
  REQUIRE(r.status == 0);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const auto records = json_lines(text.str());
  const int per_epoch = slices ? mlp::batches_per_epoch(mlp::Batching::Slices, 200, 8) : 25;
  REQUIRE(static_cast<int>(records.size()) == 2 * per_epoch / 2);
  long long previous = 0;
  for (const json& rec : records) {
    CAPTURE(rec.dump());
    const long long step = rec.at("step").get<long long>();
    CHECK(step == previous + 2);
    previous = step;
    CHECK(rec.at("epoch") == (step - 1) / per_epoch + 1);
    const int b = rec.at("batch_size").get<int>();
    REQUIRE(rec.at("layers").size() == 2);
    for (const char* key : {"grad_norm", "update_ratio", "activation_mean", "activation_std", "saturated"})
      CHECK(rec.at("layers")[0].contains(key));
    if (b == 0) {
      CHECK(slices);
      CHECK(rec.at("loss").is_null());  // NaN
      CHECK(rec.at("step_norm") == 0);
    } else {
      CHECK((slices || b == 8));
      CHECK(rec.at("loss").get<double>() > 0);
      CHECK(rec.at("grad_norm").get<double>() > 0);
      CHECK(rec.at("step_norm").get<double>() > 0);
    }
  }
}

TEST_CASE("mlp_train's help lists the analysis flags and clipping; bad combinations are refused", "[cli]") {
  const Folder f;
  const Run help = run_cli("--help");
  REQUIRE(help.status == 0);
  for (const char* flag : {"--clip-norm X", "--lr-find", "--lr-find-start X", "--lr-find-batches N",
                           "--record-steps FILE", "--record-every N"})
    CHECK_THAT(help.out, Catch::Contains(flag));
  CHECK_THAT(help.out, Catch::Contains("(default 200)"));
  const auto refused = [](const Run& r, const std::string& message) {
    CAPTURE(r.out);
    CHECK(r.status == 2);
    CHECK(r.out == "mlp_train: " + message + "\n");
  };
  refused(run_cli(f.args("--lr-find --lr-find-batches 5")),
          "the range test needs between 10 and 100000 batches, got 5");
  refused(run_cli(f.args("--lr-find-start 1e-3")), "--lr-find-start, -end and -batches need --lr-find");
  refused(run_cli(f.args("--lr-find --lr-find-start 1 --lr-find-end 0.5")),
          "the range test's start rate (1) must be below its end rate (0.5)");
  refused(run_cli(f.args("--lr-find --save " + (f.dir / "m.safetensors").string())),
          "--lr-find trains nothing: --save, --export-onnx and --record-steps have nothing to write");
  refused(run_cli(f.args("--record-every 3")), "--record-every needs --record-steps FILE");
  refused(run_cli(f.args("--clip-norm -1")),
          "--clip-norm: gradient clipping must be a number in [0, 1000000], got -1");
}
