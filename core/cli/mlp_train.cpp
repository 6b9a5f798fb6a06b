// mlp_train: trains the core's MLP on MNIST from the command line, printing
// one JSON line per epoch and a final line with train/validation/test
// results. Reproduces the report's experiments (see README). Also starts
// from a PyTorch MLP's weights (--load) and writes ONNX (--export-onnx).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/dataset.hpp"
#include "core/errors.hpp"
#include "core/idx.hpp"
#include "core/lr_range_test.hpp"
#include "core/model_file.hpp"
#include "core/model_import.hpp"
#include "core/onnx_export.hpp"
#include "core/spike_detector.hpp"
#include "core/trainer.hpp"
#include "core/training_cost.hpp"
#include "options.hpp"
#include "trace_json.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void draw_progress(int epoch, int epochs, int batch, int per_epoch, double samples_per_second) {
  constexpr int kWidth = 30;
  const int filled = per_epoch ? batch * kWidth / per_epoch : 0;
  std::fprintf(stderr, "\r\033[Kepoch %d/%d [%.*s%*s] %d/%d batches, %.0f samples/s", epoch, epochs, filled,
               "##############################", kWidth - filled, "", batch, per_epoch, samples_per_second);
  std::fflush(stderr);
}

json evaluation_json(const std::string& split, const mlp::Evaluation& e) {
  return {{split + "_loss", e.loss}, {split + "_accuracy", e.accuracy}};
}

// Fails now, not after the training, when the model file cannot be written.
void check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (fs::is_directory(p, error)) throw mlp::Error("cannot write model file '" + path + "': it is a folder");
  if (!fs::is_directory(dir, error) || access(dir.c_str(), W_OK) != 0)
    throw mlp::Error("cannot write model file '" + path + "': no writable folder '" + dir.string() + "'");
}

// Writes size bytes, which write(sink) produces in pieces, to `path`: beside
// it first, then renamed, so a failed write never destroys the previous file
// (maybe the --load one).
template <typename Writer>
void write_file(const std::string& path, const Writer& writer, const char* what) {
  const std::string partial = path + ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  bool written = f != nullptr;
  if (f)
    writer.write(
        [&](const std::uint8_t* p, std::size_t n) { written = written && std::fwrite(p, 1, n, f) == n; });
  if (!(f && std::fclose(f) == 0 && written) || std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    throw mlp::Error(std::string("cannot write ") + what + " '" + path + "'");
  }
  std::cerr << "wrote " << path << " (" << writer.size() << " bytes, " << what << ")\n";
}

// The flags' configuration for a model imported from PyTorch: its layer
// sizes are the file's; what the file cannot say defaults to ReLU and softmax
// + cross-entropy unless a flag (or preset) chose.
mlp::TrainConfig import_config(const mlp::cli::Options& o, const std::vector<int>& sizes) {
  mlp::TrainConfig c = o.config;
  const mlp::TrainConfig defaults = mlp::imported_defaults();
  if (!o.given.count("hidden")) c.architecture.hidden = defaults.architecture.hidden;
  if (!o.given.count("output")) c.architecture.output = defaults.architecture.output;
  if (o.given.count("sizes") && c.architecture.sizes != sizes)
    throw mlp::ConfigError("--layers " + c.architecture.describe() + " disagrees with the file's layers " +
                           mlp::describe_sizes(sizes) + " (an imported model keeps its sizes)");
  return c;
}

// Writes the trainer's model: as a model file (--save), as ONNX (--export-onnx).
void write_outputs(const mlp::cli::Options& o, const mlp::Trainer& trainer) {
  if (!o.save_path.empty()) write_file(o.save_path, mlp::ModelWriter(trainer.state_view()), "model file");
  if (!o.onnx_path.empty())
    write_file(o.onnx_path, mlp::OnnxWriter(trainer.config().architecture, trainer.network().parameters()),
               "ONNX model");
}

// --lr-find: the range test as one JSON object; nothing is trained.
int run_lr_find(const mlp::cli::Options& o, const mlp::Trainer& trainer) {
  const mlp::LrRangeResult r = mlp::lr_range_test(trainer, o.lr_find_options);
  const json out = {{"rates", r.rates}, {"losses", r.losses},         {"smoothed", r.smoothed},
                    {"pick", r.pick},   {"pick_index", r.pick_index}, {"reason", r.reason}};
  std::cout << out.dump() << std::endl;  // a NaN or infinite number is written as null
  return 0;
}

// --record-steps: the dynamics records since the last call, one JSON line each
// (a number that is not finite is written as null).
void write_steps(std::ostream& out, const mlp::DynamicsSeries& s, int per_epoch) {
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    json layers = json::array();
    for (const auto& l : s.layers)
      layers.push_back({{"grad_norm", l.grad_norm[i]},
                        {"update_ratio", l.update_ratio[i]},
                        {"activation_mean", l.activation_mean[i]},
                        {"activation_std", l.activation_std[i]},
                        {"saturated", l.saturated[i]}});
    const long long step = s.steps[i];
    const json line = {{"step", step},
                       {"epoch", (step - 1) / per_epoch + 1},  // 1-based: the epoch the batch belongs to
                       {"batch_size", s.batch_size[i]},
                       {"loss", s.loss[i]},
                       {"grad_norm", s.grad_norm[i]},
                       {"step_norm", s.step_norm[i]},
                       {"layers", layers}};
    out << line.dump() << '\n';
  }
  if (!out) throw mlp::Error("cannot write the step records");
}

// --trace: one image's backpropagation as one JSON object; nothing is trained.
int run_trace(const mlp::cli::Options& o) {
  const auto bytes = mlp::read_file(o.load_path);
  const mlp::TrainerState state = mlp::load_model(bytes.data(), bytes.size());
  const mlp::Splits splits = mlp::load_mnist_dir(o.data_dir, o.validation);
  const mlp::Dataset& data = o.trace_split == "train"        ? splits.train
                             : o.trace_split == "validation" ? splits.validation
                                                             : splits.test;
  if (o.trace >= data.size())
    throw mlp::ConfigError("--trace " + std::to_string(o.trace) + " is out of range: the " + o.trace_split +
                           " split has " + std::to_string(data.size()) + " images" +
                           (data.size() ? " (0.." + std::to_string(data.size() - 1) + ")" : ""));
  const mlp::Trainer trainer(state, nullptr);
  if (data.features() != trainer.network().input_size())
    throw mlp::Error("the " + o.trace_split + " images have " + std::to_string(data.features()) +
                     " pixels, the network expects " + std::to_string(trainer.network().input_size()));
  mlp::Matrix<float> x(data.features(), 1), y(256, 1);  // y: any label byte
  const std::int32_t index = o.trace;
  mlp::gather_batch(data, &index, x, y);  // scaled as training scales it
  const int label = data.labels[static_cast<std::size_t>(o.trace)];
  const mlp::BackpropTrace trace = trainer.trace_backprop(x.col(0), label);
  std::cout << mlp::cli::trace_json(trace, trainer.config(), o.trace_split, o.trace).dump() << std::endl;
  return 0;
}

int run(const mlp::cli::Options& o) {
  if (o.trace >= 0) return run_trace(o);
  if (!o.save_path.empty()) check_writable(o.save_path);
  if (!o.onnx_path.empty()) check_writable(o.onnx_path);
  // --export-onnx without --epochs: a conversion, nothing trained, no data read.
  const bool convert_only = !o.onnx_path.empty() && !o.epochs_given;
  // The model file first: a bad one is refused before the data is read.
  std::vector<std::uint8_t> bytes;
  std::optional<mlp::ModelFileInfo> info;
  std::optional<mlp::TrainerState> loaded;
  if (!o.load_path.empty()) {
    bytes = mlp::read_file(o.load_path);
    info = mlp::inspect_model_file(bytes.data(), bytes.size(), {0, 0});  // the data's shape is checked below
    if (info->kind == mlp::ModelFileKind::Ours) loaded = mlp::load_model(bytes.data(), bytes.size());
  }
  std::optional<mlp::Splits> splits;
  std::shared_ptr<mlp::Dataset> train;
  if (!convert_only) {
    splits = mlp::load_mnist_dir(o.data_dir, o.validation);
    train = std::make_shared<mlp::Dataset>(std::move(splits->train));
  }
  if (info && info->kind == mlp::ModelFileKind::PyTorch) {
    const mlp::DataShape shape =
        train ? mlp::DataShape{train->features(), train->num_classes} : mlp::DataShape{0, 0};
    loaded = mlp::import_model(bytes.data(), bytes.size(), import_config(o, info->sizes), shape);
    std::string names;
    for (const auto& n : info->layer_names) names += (names.empty() ? "" : ", ") + n;
    std::cerr << "imported " << o.load_path << ": " << mlp::describe_sizes(info->sizes) << ", " << info->dtype
              << " (layers " << names << ")\n";
  }
  bytes = {};

  std::unique_ptr<mlp::Trainer> trainer;
  if (loaded) {
    trainer = std::make_unique<mlp::Trainer>(*loaded, train);
    loaded.reset();
  } else {
    trainer = std::make_unique<mlp::Trainer>(o.config, train);
  }
  if (convert_only) {
    write_outputs(o, *trainer);
    return 0;
  }
  if (o.lr_find) return run_lr_find(o, *trainer);
  mlp::ThreadPool pool(o.threads > 0 ? o.threads : mlp::ThreadPool::hardware_threads());
  trainer->set_thread_pool(&pool);
  const auto& c = trainer->config();
  std::cerr << "training " << c.architecture.describe() << " (" << to_string(c.architecture.hidden) << ", "
            << to_string(c.architecture.output) << ", " << to_string(c.optimizer.kind) << " lr "
            << c.optimizer.learning_rate << ", batch " << c.batch_size << ", " << to_string(c.gradient)
            << " gradient, " << to_string(c.batching) << " batches, " << to_string(c.init) << " init) on "
            << trainer->training_size() << " images, validating on " << splits->validation.size() << ", "
            << pool.size() << (pool.size() == 1 ? " thread" : " threads") << "\n";

  const int used = trainer->training_size();
  const mlp::Dataset trained_on = used < train->size() ? train->slice(0, used) : *train;
  const bool show_progress = o.progress && isatty(STDERR_FILENO);
  const int per_epoch = trainer->batches_per_epoch();
  std::ofstream steps_file;
  if (!o.record_steps_path.empty()) {
    steps_file.open(o.record_steps_path);
    if (!steps_file) throw mlp::Error("cannot write step records to '" + o.record_steps_path + "'");
    // Room for an epoch's records: they are drained after every chunk (at most an epoch).
    trainer->set_dynamics(o.record_every, std::min(1000000, per_epoch / o.record_every + 1));
  }
  // Per epoch (index 0: epoch 1), the accuracy spikes are looked for in: the
  // training images evaluated after it with --eval-train, else its running
  // training accuracy. Epochs before a resumed run's are NaN (no value).
  std::vector<double> spike_curve(static_cast<std::size_t>(trainer->progress().epoch), NAN);
  const auto run_start = Clock::now();
  while (trainer->progress().epoch < o.epochs) {
    const auto epoch_start = Clock::now();
    const int epoch = trainer->progress().epoch + 1;
    const int chunk = show_progress ? std::max(1, per_epoch / 50) : per_epoch;
    double loss = 0, accuracy = 0;
    long long samples = 0;
    for (bool done = false; !done;) {
      const auto r = trainer->train_batches(chunk);
      loss += r.loss * static_cast<double>(r.samples);
      accuracy += r.accuracy * static_cast<double>(r.samples);
      samples += r.samples;
      done = r.epoch_finished;
      if (steps_file.is_open()) write_steps(steps_file, trainer->take_dynamics(), per_epoch);
      if (show_progress)
        draw_progress(epoch, o.epochs, done ? per_epoch : trainer->progress().batch_in_epoch, per_epoch,
                      static_cast<double>(samples) / seconds_since(epoch_start));
    }
    const double train_seconds = seconds_since(epoch_start);
    json line = {{"epoch", epoch}, {"train_loss", loss / samples}, {"train_accuracy", accuracy / samples}};
    if (o.eval_train) {
      const mlp::Evaluation e = trainer->evaluate_training(mlp::cli::kEvalTrainImages);
      line.update(evaluation_json("train_eval", e));
      spike_curve.push_back(e.accuracy);
    } else {
      spike_curve.push_back(accuracy / samples);
    }
    line.update(evaluation_json("validation", trainer->evaluate(splits->validation)));
    line["seconds"] = train_seconds;
    line["samples_per_second"] = static_cast<double>(samples) / train_seconds;
    if (show_progress) std::fprintf(stderr, "\r\033[K");
    std::cout << line.dump() << std::endl;
  }

  json final_line = {
      {"final", true}, {"layers", c.architecture.describe()}, {"epochs", trainer->progress().epoch}};
  final_line.update(evaluation_json("train", trainer->evaluate(trained_on)));
  final_line.update(evaluation_json("validation", trainer->evaluate(splits->validation)));
  final_line.update(evaluation_json("test", trainer->evaluate(splits->test)));
  final_line["seconds_total"] = seconds_since(run_start);
  json spikes = json::array();
  for (const mlp::Spike& s : mlp::detect_spikes(spike_curve))
    spikes.push_back({{"epoch", s.epoch}, {"change", s.change}});
  final_line["spikes"] = spikes;
  final_line["spike_source"] = o.eval_train ? "train_eval_accuracy" : "train_accuracy";
  const mlp::TrainingCost cost = mlp::training_cost(c.architecture.sizes);
  final_line["cost"] = {{"parameters", cost.parameters}, {"flops_per_sample", cost.flops_per_sample}};
  if (steps_file.is_open()) {
    steps_file.close();
    if (!steps_file) throw mlp::Error("cannot write step records to '" + o.record_steps_path + "'");
    std::cerr << "wrote " << o.record_steps_path << " (step records)\n";
  }
  std::cout << final_line.dump() << std::endl;

  write_outputs(o, *trainer);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto options = mlp::cli::parse_options(argc, argv);
    if (options.help) {
      std::cout << mlp::cli::usage();
      return 0;
    }
    return run(options);
  } catch (const mlp::ConfigError& e) {
    std::cerr << "mlp_train: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mlp_train: " << e.what() << "\n";
    return 1;
  }
}
