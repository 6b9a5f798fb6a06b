#include "config_field.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "errors.hpp"

// The largest network an engine accepts. The browser build lowers it to what
// a tab can hold (wasm/CMakeLists.txt); the page learns it from the schema.
#ifndef MLP_MAX_PARAMETERS
#define MLP_MAX_PARAMETERS (1LL << 28)
#endif

namespace mlp {
namespace {

// Accessors of a numeric member, for Number and Integer fields.
#define MLP_NUMBER_MEMBER(path)                                                 \
  [](const TrainConfig& c) -> FieldValue { return static_cast<double>(c.path); }, \
      [](TrainConfig& c, const FieldValue& v) { c.path = static_cast<decltype(c.path)>(std::get<double>(v)); }

// Accessors of an enum member named by `names`.
#define MLP_CHOICE_MEMBER(path, names)                                                          \
  [](const TrainConfig& c) -> FieldValue { return enum_name(names, c.path); },                  \
      [](TrainConfig& c, const FieldValue& v) {                                                 \
        c.path = parse_enum<decltype(c.path)>(names, std::get<std::string>(v), "value");        \
      }

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 − 1: exact in a double and in JS

ConfigField field(FieldGroup group, FieldKind kind, const char* name, const char* js_name, const char* flag,
                  const char* label, const char* help, bool structural) {
  ConfigField f{};
  f.group = group;
  f.kind = kind;
  f.name = name;
  f.js_name = js_name;
  f.flag = flag;
  f.label = label;
  f.help = help;
  f.structural = structural;
  return f;
}

ConfigField with_range(ConfigField f, Interval range) {
  f.range = range;
  return f;
}

template <std::size_t N>
ConfigField with_choices(ConfigField f, const EnumNames<N>& names) {
  f.choices = name_vector(names);
  return f;
}

template <typename Get, typename Set>
ConfigField with_access(ConfigField f, Get get, Set set) {
  f.get = get;
  f.set = set;
  return f;
}

std::vector<ConfigField> make_fields() {
  using G = FieldGroup;
  using K = FieldKind;
  std::vector<ConfigField> f;

  ConfigField sizes = field(G::Architecture, K::Sizes, "sizes", "layers", "--layers", "layer sizes",
                            "input, hidden..., output sizes, e.g. 784-20-10 or 784-80-40-20-10", true);
  sizes.range = {1, 1 << 16};
  sizes.count = {2, 34};  // at most 32 hidden layers
  sizes.max_parameters = static_cast<double>(MLP_MAX_PARAMETERS);
  f.push_back(with_access(
      sizes, [](const TrainConfig& c) -> FieldValue { return c.architecture.sizes; },
      [](TrainConfig& c, const FieldValue& v) { c.architecture.sizes = std::get<std::vector<int>>(v); }));

  f.push_back(with_access(with_choices(field(G::Architecture, K::Choice, "hidden", "activation", "--activation",
                                             "activation", "activation of the hidden layers", true),
                                       kActivationNames),
                          MLP_CHOICE_MEMBER(architecture.hidden, kActivationNames)));
  f.push_back(with_access(with_choices(field(G::Architecture, K::Choice, "output", "loss", "--loss", "loss",
                                             "output layer and loss", true),
                                       kOutputLossNames),
                          MLP_CHOICE_MEMBER(architecture.output, kOutputLossNames)));

  f.push_back(with_access(with_choices(field(G::Optimizer, K::Choice, "optimizer", "optimizer", "--optimizer",
                                             "optimizer", "update rule", false),
                                       kOptimizerNames),
                          MLP_CHOICE_MEMBER(optimizer.kind, kOptimizerNames)));
  f.push_back(with_access(with_range(field(G::Optimizer, K::Number, "learning_rate", "learningRate", "--lr",
                                           "learning rate", "learning rate η", false),
                                     {0, 100, true, false}),
                          MLP_NUMBER_MEMBER(optimizer.learning_rate)));
  f.push_back(with_access(with_range(field(G::Optimizer, K::Number, "momentum", "momentum", "--momentum",
                                           "momentum", "for momentum and nesterov", false),
                                     {0, 1, false, true}),
                          MLP_NUMBER_MEMBER(optimizer.momentum)));
  f.push_back(with_access(with_range(field(G::Optimizer, K::Number, "beta1", "beta1", "--beta1", "beta1",
                                           "for adam: decay of the first moment", false),
                                     {0, 1, false, true}),
                          MLP_NUMBER_MEMBER(optimizer.beta1)));
  f.push_back(with_access(with_range(field(G::Optimizer, K::Number, "beta2", "beta2", "--beta2", "beta2",
                                           "for adam: decay of the second moment", false),
                                     {0, 1, false, true}),
                          MLP_NUMBER_MEMBER(optimizer.beta2)));
  f.push_back(with_access(with_range(field(G::Optimizer, K::Number, "epsilon", "epsilon", "--epsilon", "epsilon",
                                           "for adam: added to the root of the second moment", false),
                                     {0, 1, true, true}),
                          MLP_NUMBER_MEMBER(optimizer.epsilon)));

  f.push_back(with_access(with_range(field(G::Run, K::Integer, "batch_size", "batchSize", "--batch", "batch size",
                                           "samples per mini-batch", true),
                                     {1, 1 << 16}),
                          MLP_NUMBER_MEMBER(batch_size)));
  f.push_back(with_access(with_range(field(G::Run, K::Number, "l2", "l2", "--l2", "L2 weight decay λ",
                                           "L2 weight decay λ on the weights (not the biases)", true),
                                     {0, 10}),
                          MLP_NUMBER_MEMBER(l2)));
  f.push_back(with_access(with_range(field(G::Run, K::Integer, "seed", "seed", "--seed", "seed",
                                           "seed of initialisation and shuffling", true),
                                     {0, kMaxSafeInteger}),
                          MLP_NUMBER_MEMBER(seed)));

  ConfigField gradient = field(G::Run, K::Choice, "gradient", "gradient", "--gradient", "gradient",
                               "the step's factor on the batch's summed gradient: 1/batch (mean), 1 (sum) "
                               "or 1/2 (half: the course template's η/len(mini_batch))",
                               true);
  gradient.shorthands = {{"--mean", "mean"}, {"--sum", "sum"}};
  f.push_back(with_access(with_choices(gradient, kGradientScaleNames),
                          MLP_CHOICE_MEMBER(gradient, kGradientScaleNames)));

  // Added after model format 1 was first written: older files lack them and get the defaults.
  ConfigField limit = with_range(field(G::Run, K::Integer, "train_limit", "trainLimit", "--train-limit",
                                       "training-set size", "train on the first N training images only (0: all)",
                                       true),
                                 {0, 2147483647.0});
  limit.required_in_file = false;
  f.push_back(with_access(limit, MLP_NUMBER_MEMBER(train_limit)));
  ConfigField init = with_choices(field(G::Run, K::Choice, "init", "init", "--init", "initialization",
                                        "initial weights: uniform (Glorot, He for ReLU; biases 0) or gaussian "
                                        "(N(0,1)/sqrt(fan-in), biases N(0,1): the course template's)",
                                        true),
                                  kInitializationNames);
  init.required_in_file = false;
  f.push_back(with_access(init, MLP_CHOICE_MEMBER(init, kInitializationNames)));
  ConfigField batching = with_choices(field(G::Run, K::Choice, "batching", "batching", "--batching", "batching",
                                            "shuffled (each image once an epoch) or slices (the course template's "
                                            "X[idxs[k]:idxs[k+B-1]]: runs between two random indices)",
                                            true),
                                      kBatchingNames);
  batching.required_in_file = false;
  f.push_back(with_access(batching, MLP_CHOICE_MEMBER(batching, kBatchingNames)));
  return f;
}

#undef MLP_NUMBER_MEMBER
#undef MLP_CHOICE_MEMBER

const char* kind_noun(FieldKind kind) {
  switch (kind) {
    case FieldKind::Number: return "a number";
    case FieldKind::Integer: return "a whole number";
    case FieldKind::Boolean: return "true or false";
    case FieldKind::Choice: return "a name";
    case FieldKind::Sizes: return "a list of sizes";
  }
  return "?";
}

bool holds_kind(const ConfigField& f, const FieldValue& v) {
  switch (f.kind) {
    case FieldKind::Number:
    case FieldKind::Integer: return std::holds_alternative<double>(v);
    case FieldKind::Boolean: return std::holds_alternative<bool>(v);
    case FieldKind::Choice: return std::holds_alternative<std::string>(v);
    case FieldKind::Sizes: return std::holds_alternative<std::vector<int>>(v);
  }
  return false;
}

void check_sizes(const ConfigField& f, const std::vector<int>& sizes) {
  const auto n = static_cast<double>(sizes.size());
  if (n < f.count.min)
    throw ConfigError("a network needs at least an input and an output size, got " + std::to_string(sizes.size()) +
                      " size(s)");
  if (n > f.count.max)
    throw ConfigError("at most " + format_number(f.count.max - 2) + " hidden layers are supported, got " +
                      format_number(n - 2));
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::string which = "layer " + std::to_string(k) + " has size " + std::to_string(sizes[k]);
    if (sizes[k] < f.range.min)
      throw ConfigError(which + "; every size must be at least " + format_number(f.range.min));
    if (sizes[k] > f.range.max) throw ConfigError(which + ", more than the maximum width " + format_number(f.range.max));
  }
  const double parameters = parameter_count(sizes);
  if (parameters > f.max_parameters)
    throw ConfigError("the network " + describe_sizes(sizes) + " has " + format_number(parameters) +
                      " parameters, more than the maximum " + format_number(f.max_parameters));
}

}  // namespace

bool Interval::contains(double x) const {
  if (!std::isfinite(x)) return false;
  const bool above = min_open ? x > min : x >= min;
  const bool below = max_open ? x < max : x <= max;
  return above && below;
}

std::string Interval::describe() const {
  return std::string(min_open ? "(" : "[") + format_number(min) + ", " + format_number(max) + (max_open ? ")" : "]");
}

const std::vector<ConfigField>& config_fields() {
  static const std::vector<ConfigField> fields = make_fields();
  return fields;
}

const ConfigField& config_field(const std::string& name) {
  for (const auto& f : config_fields())
    if (f.name == name) return f;
  throw Error("no configuration field '" + name + "'");
}

void check_value(const ConfigField& f, const FieldValue& v) {
  if (!holds_kind(f, v)) throw ConfigError(f.label + " must be " + kind_noun(f.kind));
  switch (f.kind) {
    case FieldKind::Number: {
      const double x = std::get<double>(v);
      if (!f.range.contains(x))
        throw ConfigError(f.label + " must be a number in " + f.range.describe() + ", got " + format_number(x));
      return;
    }
    case FieldKind::Integer: {
      const double x = std::get<double>(v);
      if (!std::isfinite(x) || std::floor(x) != x)
        throw ConfigError(f.label + " must be a whole number, got " + format_number(x));
      if (!f.range.contains(x))
        throw ConfigError(f.label + " must be between " + format_number(f.range.min) + " and " +
                          format_number(f.range.max) + ", got " + format_number(x));
      return;
    }
    case FieldKind::Boolean: return;
    case FieldKind::Choice: {
      const auto& name = std::get<std::string>(v);
      for (const auto& c : f.choices)
        if (c == name) return;
      std::string list;
      for (std::size_t i = 0; i < f.choices.size(); ++i)
        list += (i == 0 ? "" : i + 1 == f.choices.size() ? " or " : ", ") + f.choices[i];
      const std::string shown = name.size() > 32 ? name.substr(0, 32) + "…" : name;
      throw ConfigError("unknown " + f.label + " '" + shown + "' (expected " + list + ")");
    }
    case FieldKind::Sizes: check_sizes(f, std::get<std::vector<int>>(v)); return;
  }
}

void assign(TrainConfig& c, const ConfigField& f, const FieldValue& v) {
  check_value(f, v);
  f.set(c, v);
}

void validate_group(const TrainConfig& c, FieldGroup group) {
  for (const auto& f : config_fields())
    if (f.group == group) check_value(f, f.get(c));
}

std::string format_number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  if (std::floor(x) == x && std::fabs(x) < 1e21) {
    std::snprintf(buf, sizeof buf, "%.0f", x);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

std::string format_value(const FieldValue& v) {
  if (const auto* x = std::get_if<double>(&v)) return format_number(*x);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return describe_sizes(std::get<std::vector<int>>(v));
}

}  // namespace mlp
