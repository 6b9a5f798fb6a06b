#include "trace_json.hpp"

namespace mlp::cli {
namespace {

using nlohmann::json;

json numbers(const Vector<double>& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

json rows(const Matrix<double>& m) {  // [out][in]
  json out = json::array();
  for (Eigen::Index r = 0; r < m.rows(); ++r) out.push_back(numbers(m.row(r).transpose()));
  return out;
}

}  // namespace

json trace_json(const BackpropTrace& t, const TrainConfig& config, const std::string& split, int index) {
  const Architecture& arch = config.architecture;
  json out = {{"split", split},
              {"index", index},
              {"label", t.label},
              {"loss", t.loss},
              {"layers", arch.describe()},
              {"activation", to_string(arch.hidden)},
              {"output_loss", to_string(arch.output)},
              {"gradient_factor", t.factor},
              {"l2", t.l2}};
  json forward = json::array();
  for (const auto& f : t.forward)
    forward.push_back({{"layer", f.layer}, {"a", numbers(f.a)}, {"h", numbers(f.h)}});
  out["forward"] = forward;
  json backward = json::array();
  for (const auto& b : t.backward)
    backward.push_back({{"layer", b.layer},
                        {"G_a", numbers(b.g_a)},
                        {"grad_b", numbers(b.grad_b)},
                        {"grad_W", rows(b.grad_w)},
                        {"G_h_prev", numbers(b.g_h_prev)}});
  out["backward"] = backward;
  json checks = json::array();
  for (const auto& c : t.gradient_check) {
    json parameters = json::array();
    for (const auto& p : c.parameters)
      parameters.push_back({{"row", p.row},
                            {"column", p.column},
                            {"backprop", p.backprop},
                            {"numeric", p.numeric},
                            {"kink", p.kink}});
    checks.push_back({{"layer", c.layer},
                      {"max_relative_error", c.max_relative_error},
                      {"relative_error", c.relative_error},
                      {"floor", c.floor},
                      {"checked", c.checked},
                      {"kinks", c.kinks},
                      {"step", kTraceStep},
                      {"parameters", parameters}});
  }
  out["gradient_check"] = checks;
  out["output_check"] = {{"delta", numbers(t.output_check.delta)},
                         {"numeric", numbers(t.output_check.numeric)},
                         {"relative_error", t.output_check.relative_error},
                         {"max_relative_error", t.output_check.max_relative_error},
                         {"floor", t.output_check.floor}};
  const Derivation& d = t.derivation;
  json derivation = {{"loss", to_string(d.loss)},     {"y", numbers(d.y)},
                     {"y_hat", numbers(d.y_hat)},     {"dL_dy_hat", numbers(d.dl_dy_hat)},
                     {"product", numbers(d.product)}, {"delta", numbers(d.delta)}};
  if (d.sigma_prime.size()) derivation["sigma_prime"] = numbers(d.sigma_prime);
  out["derivation"] = derivation;
  const StepEffect& s = t.step;
  json top = json::array();
  for (const auto& [pixel, change] : s.top_pixels) top.push_back({{"pixel", pixel}, {"change", change}});
  out["step"] = {{"optimizer", to_string(s.optimizer)},
                 {"learning_rate", s.learning_rate},
                 {"gradient_factor", s.factor},
                 {"l2", s.l2},
                 {"loss_before", s.loss_before},
                 {"loss_after", s.loss_after},
                 {"top_pixels", top},
                 {"pixel_change", numbers(s.pixel_change)}};
  return out;
}

}  // namespace mlp::cli
