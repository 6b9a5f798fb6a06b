// libFuzzer target: a model file as bytes (load_model: decode_safetensors,
// the metadata through the configuration table, the tensors; and the import
// of PyTorch files: inspect_model_file, import_model; see
// model_file_check.hpp). Byte mutation of the seeds (valid model files) with
// fuzz_model_file.dict; fuzz_model_header reaches the deeper structure.
#include "model_file_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mlp_fuzz::check_model_file(data, size);
  mlp_fuzz::check_import(data, size);
  return 0;
}
