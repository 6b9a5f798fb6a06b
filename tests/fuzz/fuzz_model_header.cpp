// libFuzzer target: model files written by a structure-aware generator
// (model_header_generator.hpp) whose decisions come from the input bytes, so
// that mutations change the file's structure (nesting, numbers, duplicate
// keys, dtypes, offsets) rather than its bytes; checked as fuzz_model_file.
// FUZZ_MODEL_HEADER_WRITE=DIR also writes each generated file into DIR, to
// turn a finding into a regression test.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "model_file_check.hpp"
#include "model_header_generator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::vector<std::uint8_t> file = mlp_fuzz::ModelFileGenerator(in).generate();
  if (const char* dir = std::getenv("FUZZ_MODEL_HEADER_WRITE")) {
    const std::string path = std::string(dir) + "/generated-" + std::to_string(file.size()) + ".safetensors";
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fwrite(file.data(), 1, file.size(), f);
      std::fclose(f);
    }
  }
  mlp_fuzz::check_model_file(file.data(), file.size());
  mlp_fuzz::check_import(file.data(), file.size());
  return 0;
}
