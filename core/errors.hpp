#pragma once
// Typed errors of the core. Every failure the user can cause (bad files, bad
// hyperparameters, a diverging run) is one of these, with a message that says
// what was wrong; nothing in the core aborts.
#include <stdexcept>
#include <string>

namespace mlp {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Invalid hyperparameters or architecture.
struct ConfigError : Error {
  using Error::Error;
};
// Malformed IDX data.
struct IdxError : Error {
  using Error::Error;
};
// Malformed or inconsistent model (safetensors) file.
struct ModelFileError : Error {
  using Error::Error;
};
// Loss became NaN or infinite; the trainer has restored the last good weights.
struct DivergedError : Error {
  using Error::Error;
};

}  // namespace mlp
