#pragma once
// Helpers of the tests that run the built mlp_train (MLP_TRAIN_PATH): running
// it with arguments, and writing datasets as IDX files for its --data folder.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/dataset.hpp"

namespace mlp_test {

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr
};

inline Run run_cli(const std::string& args) {
  Run r;
  const std::string command = std::string(MLP_TRAIN_PATH) + " " + args + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// The dataset as an IDX image file and an IDX label file.
inline void write_idx(const mlp::Dataset& d, const std::filesystem::path& images,
                      const std::filesystem::path& labels) {
  std::vector<std::uint8_t> img, lab;
  put_u32(img, 0x00000803);
  put_u32(img, static_cast<std::uint32_t>(d.size()));
  put_u32(img, static_cast<std::uint32_t>(d.rows));
  put_u32(img, static_cast<std::uint32_t>(d.cols));
  img.insert(img.end(), d.images.data(), d.images.data() + d.images.size());  // image after image
  put_u32(lab, 0x00000801);
  put_u32(lab, static_cast<std::uint32_t>(d.size()));
  lab.insert(lab.end(), d.labels.begin(), d.labels.end());
  std::ofstream(images, std::ios::binary).write(reinterpret_cast<const char*>(img.data()), img.size());
  std::ofstream(labels, std::ios::binary).write(reinterpret_cast<const char*>(lab.data()), lab.size());
}

}  // namespace mlp_test
