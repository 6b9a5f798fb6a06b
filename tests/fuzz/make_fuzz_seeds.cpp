// Writes the seed corpora of the fuzz targets, valid files made by the core
// itself (so they follow the format as it changes):
//   DIR/idx/          image and label files, and image+label pairs framed as fuzz_idx reads them
//   DIR/model_file/   model files: each optimizer, several architectures, mid-epoch
//                     progress, an older file's seed-as-string and sum_gradients;
//                     PyTorch state_dicts of each naming and float dtype
//   usage: make_fuzz_seeds DIR
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "core/idx.hpp"
#include "core/model_file.hpp"
#include "core/safetensors.hpp"
#include "core/trainer.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

void write(const std::filesystem::path& path, const Bytes& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "make_fuzz_seeds: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

mlp::IdxImages images(int count, int rows, int cols) {
  mlp::IdxImages out;
  out.count = count;
  out.rows = rows;
  out.cols = cols;
  out.pixels.resize(rows * cols, count);
  for (Eigen::Index i = 0; i < out.pixels.size(); ++i)
    out.pixels.data()[i] = static_cast<std::uint8_t>(i * 37);
  return out;
}

Bytes framed(const Bytes& images, const Bytes& labels) {
  Bytes out{static_cast<std::uint8_t>(images.size() >> 8), static_cast<std::uint8_t>(images.size())};
  out.insert(out.end(), images.begin(), images.end());
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

mlp::Dataset tiny_data(int n) {
  mlp::Dataset d;
  d.rows = 1;
  d.cols = 2;
  d.num_classes = 2;
  d.images.resize(2, n);
  d.labels.resize(n);
  for (int j = 0; j < n; ++j) {
    d.images(0, j) = static_cast<std::uint8_t>(j * 50);
    d.images(1, j) = static_cast<std::uint8_t>(255 - j * 50);
    d.labels[j] = static_cast<std::uint8_t>(j % 2);
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir / "idx");
  std::filesystem::create_directories(dir / "model_file");

  const Bytes img = mlp::encode_idx_images(images(3, 2, 2)), lab = mlp::encode_idx_labels({0, 9, 4});
  write(dir / "idx" / "images", img);
  write(dir / "idx" / "labels", lab);
  write(dir / "idx" / "pair", framed(img, lab));
  write(dir / "idx" / "pair-28x28",
        framed(mlp::encode_idx_images(images(2, 28, 28)), mlp::encode_idx_labels({1, 2})));
  write(dir / "idx" / "pair-empty",
        framed(mlp::encode_idx_images(images(0, 2, 2)), mlp::encode_idx_labels({})));

  struct Seed {
    const char* name;
    std::vector<int> sizes;
    mlp::OptimizerKind optimizer;
    int batches;
  };
  const Seed seeds[] = {{"sgd", {2, 3, 2}, mlp::OptimizerKind::Sgd, 0},
                        {"momentum", {2, 2}, mlp::OptimizerKind::Momentum, 1},
                        {"nesterov-3-layers", {2, 3, 3, 2}, mlp::OptimizerKind::Nesterov, 3},
                        {"adam-mid-epoch", {2, 4, 2}, mlp::OptimizerKind::Adam, 1}};
  const auto data = std::make_shared<const mlp::Dataset>(tiny_data(5));
  for (const auto& s : seeds) {
    mlp::TrainConfig c;
    c.architecture.sizes = s.sizes;
    c.optimizer.kind = s.optimizer;
    c.batch_size = 2;
    c.architecture.output = s.batches == 3 ? mlp::OutputLoss::SoftmaxCe : mlp::OutputLoss::SigmoidBce;
    mlp::Trainer t(c, data);
    for (int b = 0; b < s.batches; ++b) t.train_batches(1);
    write(dir / "model_file" / (std::string(s.name) + ".safetensors"), mlp::save_model(t.state()));
  }
  // An older file: the seed as a string of digits, sum_gradients instead of gradient, no later fields.
  mlp::TrainConfig c;
  c.architecture.sizes = {2, 2};
  const Bytes plain = mlp::save_model(mlp::Trainer(c, nullptr).state());
  auto file = mlp::decode_safetensors(plain.data(), plain.size());
  auto training = nlohmann::json::parse(file.metadata.at("training"));
  training["seed"] = "7";
  training.erase("gradient");
  training["sum_gradients"] = true;
  for (const char* later : {"train_limit", "init", "batching"}) training.erase(later);
  file.metadata["training"] = training.dump();
  write(dir / "model_file" / "older-format.safetensors", mlp::encode_safetensors(file));

  // PyTorch state_dicts of a 2-3-2 MLP, as safetensors.torch writes them: named as a ModuleList, an
  // nn.Sequential and attributes, in each float dtype, the header padded with spaces.
  struct StateDict {
    const char* name;
    const char* stem[2];
    const char* dtype;
    int bytes;
  };
  const StateDict dicts[] = {{"torch-layers-f32", {"layers.0", "layers.1"}, "F32", 4},
                             {"torch-sequential-f16", {"0", "2"}, "F16", 2},
                             {"torch-fc-bf16", {"fc1", "fc2"}, "BF16", 2},
                             {"torch-model-f64", {"model.net.1", "model.net.3"}, "F64", 8}};
  for (const auto& d : dicts) {
    nlohmann::ordered_json header;
    header["__metadata__"] = {{"format", "pt"}};
    std::size_t at = 0;
    const int shapes[4][2] = {{3, 2}, {3, 1}, {2, 3}, {2, 1}};  // weight, bias, weight, bias
    for (int t = 0; t < 4; ++t) {
      const std::size_t n =
          static_cast<std::size_t>(shapes[t][0] * shapes[t][1]) * static_cast<std::size_t>(d.bytes);
      const std::string name = std::string(d.stem[t / 2]) + (t % 2 ? ".bias" : ".weight");
      header[name] = {{"dtype", d.dtype},
                      {"shape", t % 2 ? nlohmann::json::array({shapes[t][0]})
                                      : nlohmann::json::array({shapes[t][0], shapes[t][1]})},
                      {"data_offsets", {at, at + n}}};
      at += n;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    Bytes out(8);
    for (int i = 0; i < 8; ++i)
      out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(text.size() >> (8 * i));
    out.insert(out.end(), text.begin(), text.end());
    for (std::size_t i = 0; i < at; ++i)
      out.push_back(static_cast<std::uint8_t>(i % 3 == 0 ? 0x3C : 0));  // small values
    write(dir / "model_file" / (std::string(d.name) + ".safetensors"), out);
  }
  return 0;
}
