#pragma once
// The complete state of a training run, what a model file stores: the
// configuration, the parameters, the optimiser's state and where the run is.
#include <string>
#include <utility>
#include <vector>

#include "matrix.hpp"
#include "train_config.hpp"

namespace mlp {

struct Progress {
  int epoch = 0;           // completed epochs
  int batch_in_epoch = 0;  // batches done in the current epoch
  long long step = 0;      // batches done in all
  std::string
      epoch_rng_state;    // random state the current epoch's permutation was drawn from ("" = not drawn yet)
  std::string rng_state;  // random state now (filled by Trainer::state())
};

struct TrainerState {
  TrainConfig config;
  Vector<float> parameters;
  std::vector<std::pair<std::string, Vector<float>>> optimizer_state;
  long long optimizer_steps = 0;
  Progress progress;
  // The optimiser starts afresh (zero state, optimizer_state empty): a model
  // imported from a file that holds only weights (model_import.hpp).
  bool fresh_optimizer = false;
};

// A TrainerState whose vectors live elsewhere (in a trainer): what a model
// file is written from without copying the weights and optimiser state.
struct TrainerStateView {
  const TrainConfig* config = nullptr;
  const Vector<float>* parameters = nullptr;
  std::vector<std::pair<std::string, const Vector<float>*>> optimizer_state;
  long long optimizer_steps = 0;
  Progress progress;
};

inline TrainerStateView view_of(const TrainerState& s) {
  TrainerStateView v{&s.config, &s.parameters, {}, s.optimizer_steps, s.progress};
  for (const auto& [name, vec] : s.optimizer_state) v.optimizer_state.emplace_back(name, &vec);
  return v;
}

}  // namespace mlp
