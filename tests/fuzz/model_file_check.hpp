#pragma once
// What every model-file fuzz target checks for one input: load_model either
// refuses it with a ModelFileError (a short message) or accepts it, and then
// a Trainer can be built from the state, and what it saves loads again to
// the same state. The same for the import of PyTorch files
// (inspect_model_file, import_model): refused with a short ModelFileError,
// or a network of the sizes inspect_model_file gave, which trains and saves
// as a model file of ours. Anything else (a crash, a sanitizer report,
// another exception type, a long message) aborts the run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/errors.hpp"
#include "core/model_file.hpp"
#include "core/model_import.hpp"
#include "core/trainer.hpp"

namespace mlp_fuzz {

[[noreturn]] inline void fault(const char* what, const char* detail = "") {
  std::fprintf(stderr, "fuzz: %s %s\n", what, detail);
  std::abort();
}

inline void check_model_file(const std::uint8_t* data, std::size_t size) {
  mlp::TrainerState state;
  try {
    state = mlp::load_model(data, size);
  } catch (const mlp::ModelFileError& e) {
    if (std::strlen(e.what()) > 420) fault("message longer than 420 bytes:", e.what());
    return;
  }
  // Accepted: it must be usable as it is.
  std::vector<std::uint8_t> saved;
  try {
    mlp::Trainer trainer(state, nullptr);
    saved = mlp::save_model(trainer.state());
  } catch (const mlp::Error&) {
    return;  // e.g. an optimizer state of another optimizer: the Trainer's own check
  }
  try {
    const mlp::TrainerState again = mlp::load_model(saved.data(), saved.size());
    if (again.parameters.size() != state.parameters.size() || again.progress.step != state.progress.step ||
        again.config.architecture.sizes != state.config.architecture.sizes)
      fault("the saved state differs from the loaded one");
  } catch (const mlp::Error& e) {
    fault("a state that loaded does not load once saved again:", e.what());
  }
}

inline void check_import(const std::uint8_t* data, std::size_t size) {
  const auto short_message = [](const mlp::ModelFileError& e) {
    if (std::strlen(e.what()) > 420) fault("message longer than 420 bytes:", e.what());
  };
  mlp::ModelFileInfo info;
  try {
    info = mlp::inspect_model_file(data, size, {0, 0});
  } catch (const mlp::ModelFileError& e) {
    short_message(e);
    return;
  }
  if (info.kind == mlp::ModelFileKind::Ours) return;  // check_model_file's part
  mlp::TrainerState state;
  try {
    state = mlp::import_model(data, size, mlp::imported_defaults(), {0, 0});
  } catch (const mlp::ModelFileError& e) {  // what inspection does not read: NaN or infinite values
    short_message(e);
    return;
  }
  if (state.config.architecture.sizes != info.sizes)
    fault("import_model's sizes differ from inspect_model_file's");
  std::vector<std::uint8_t> saved;
  try {
    mlp::Trainer trainer(state, nullptr);
    saved = mlp::save_model(trainer.state());
  } catch (const mlp::Error& e) {
    fault("an imported model does not build a trainer:", e.what());
  }
  try {
    if (mlp::load_model(saved.data(), saved.size()).parameters != state.parameters)
      fault("an imported model saved and loaded again has other weights");
  } catch (const mlp::Error& e) {
    fault("an imported model does not load once saved:", e.what());
  }
}

}  // namespace mlp_fuzz
