#pragma once
// mlp_train --trace: a BackpropTrace (core/backprop_trace.hpp) as one JSON
// object. Keys are the report's names (G_a = ∇_a L, grad_W, G_h_prev =
// W⁽ᵏ⁾ᵀ G_a); grad_W is a list of rows [out][in]; numbers are doubles
// (17 significant digits; a value that is not finite is null).
#include <nlohmann/json.hpp>
#include <string>

#include "core/backprop_trace.hpp"
#include "core/train_config.hpp"

namespace mlp::cli {

nlohmann::json trace_json(const BackpropTrace& trace, const TrainConfig& config, const std::string& split,
                          int index);

}  // namespace mlp::cli
