// mlp_train: trains the core's MLP on MNIST from the command line, printing
// one JSON line per epoch and a final line with train/validation/test
// results. Reproduces the report's experiments (see README). Also starts
// from a PyTorch MLP's weights (--load) and writes ONNX (--export-onnx).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/dataset.hpp"
#include "core/errors.hpp"
#include "core/idx.hpp"
#include "core/model_file.hpp"
#include "core/model_import.hpp"
#include "core/onnx_export.hpp"
#include "core/trainer.hpp"
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
      if (show_progress)
        draw_progress(epoch, o.epochs, done ? per_epoch : trainer->progress().batch_in_epoch, per_epoch,
                      static_cast<double>(samples) / seconds_since(epoch_start));
    }
    const double train_seconds = seconds_since(epoch_start);
    json line = {{"epoch", epoch}, {"train_loss", loss / samples}, {"train_accuracy", accuracy / samples}};
    if (o.eval_train)
      line.update(evaluation_json("train_eval", trainer->evaluate_training(mlp::cli::kEvalTrainImages)));
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
