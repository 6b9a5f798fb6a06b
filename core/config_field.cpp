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
#define MLP_NUMBER_MEMBER(path)                                                   \
  [](const TrainConfig& c) -> FieldValue { return static_cast<double>(c.path); }, \
      [](TrainConfig& c, const FieldValue& v) {                                   \
        c.path = static_cast<decltype(c.path)>(std::get<double>(v));              \
      }

// Accessors of an enum member named by `names`.
#define MLP_CHOICE_MEMBER(path, names)                                                   \
  [](const TrainConfig& c) -> FieldValue { return enum_name(names, c.path); },           \
      [](TrainConfig& c, const FieldValue& v) {                                          \
        c.path = parse_enum<decltype(c.path)>(names, std::get<std::string>(v), "value"); \
      }

using Get = FieldValue (*)(const TrainConfig&);
using Set = void (*)(TrainConfig&, const FieldValue&);
using G = FieldGroup;
using K = FieldKind;

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 − 1: exact in a double and in JS

constexpr ConfigField field(G group, K kind, const char* name, const char* js_name, const char* flag,
                            const char* label, const char* help, bool structural, Get get, Set set) {
  return {group, kind, name, js_name, flag, label, help, structural, get, set};
}
constexpr ConfigField in(ConfigField f, Interval range) {
  f.range = range;
  return f;
}
template <std::size_t N>
constexpr ConfigField one_of(ConfigField f, const EnumNames<N>& names) {
  f.choices = names.data();
  f.choice_count = N;
  return f;
}
constexpr ConfigField optional_in_file(ConfigField f) {
  f.required_in_file = false;
  return f;
}
constexpr ConfigField sizes_field() {
  ConfigField f = field(
      G::Architecture, K::Sizes, "sizes", "layers", "--layers", "layer sizes",
      "input, hidden..., output sizes, e.g. 784-20-10 or 784-80-40-20-10", true,
      [](const TrainConfig& c) -> FieldValue { return c.architecture.sizes; },
      [](TrainConfig& c, const FieldValue& v) { c.architecture.sizes = std::get<std::vector<int>>(v); });
  f.range = {1, 1 << 16};
  f.count = {2, 34};  // at most 32 hidden layers
  f.max_parameters = static_cast<double>(MLP_MAX_PARAMETERS);
  return f;
}
constexpr ConfigField gradient_field() {
  ConfigField f =
      one_of(field(G::Run, K::Choice, "gradient", "gradient", "--gradient", "gradient",
                   "the step's factor on the batch's summed gradient (mean 1/batch, sum 1, half 1/2: the "
                   "course template's η/len(mini_batch))",
                   true, MLP_CHOICE_MEMBER(gradient, kGradientScaleNames)),
             kGradientScaleNames);
  f.shorthands[0] = {"--mean", "mean"};
  f.shorthands[1] = {"--sum", "sum"};
  return f;
}

constexpr ConfigField kFields[] = {
    sizes_field(),
    one_of(field(G::Architecture, K::Choice, "hidden", "activation", "--activation", "activation",
                 "activation of the hidden layers", true,
                 MLP_CHOICE_MEMBER(architecture.hidden, kActivationNames)),
           kActivationNames),
    one_of(field(G::Architecture, K::Choice, "output", "loss", "--loss", "loss", "output layer and loss",
                 true, MLP_CHOICE_MEMBER(architecture.output, kOutputLossNames)),
           kOutputLossNames),

    one_of(field(G::Optimizer, K::Choice, "optimizer", "optimizer", "--optimizer", "optimizer", "update rule",
                 false, MLP_CHOICE_MEMBER(optimizer.kind, kOptimizerNames)),
           kOptimizerNames),
    in(field(G::Optimizer, K::Number, "learning_rate", "learningRate", "--lr", "learning rate",
             "learning rate η", false, MLP_NUMBER_MEMBER(optimizer.learning_rate)),
       {0, 100, true, false}),
    in(field(G::Optimizer, K::Number, "momentum", "momentum", "--momentum", "momentum",
             "for momentum and nesterov", false, MLP_NUMBER_MEMBER(optimizer.momentum)),
       {0, 1, false, true}),
    in(field(G::Optimizer, K::Number, "beta1", "beta1", "--beta1", "beta1",
             "for adam: decay of the first moment", false, MLP_NUMBER_MEMBER(optimizer.beta1)),
       {0, 1, false, true}),
    in(field(G::Optimizer, K::Number, "beta2", "beta2", "--beta2", "beta2",
             "for adam: decay of the second moment", false, MLP_NUMBER_MEMBER(optimizer.beta2)),
       {0, 1, false, true}),
    in(field(G::Optimizer, K::Number, "epsilon", "epsilon", "--epsilon", "epsilon",
             "for adam: added to the root of the second moment", false, MLP_NUMBER_MEMBER(optimizer.epsilon)),
       {0, 1, true, true}),
    // Added after model format 1 was first written: older files lack it and get the default (off).
    optional_in_file(
        in(field(G::Optimizer, K::Number, "clip_norm", "clipNorm", "--clip-norm", "gradient clipping",
                 "rescale the step's gradient to this global norm when it is larger (0: off)", false,
                 MLP_NUMBER_MEMBER(optimizer.clip_norm)),
           {0, 1e6})),

    in(field(G::Run, K::Integer, "batch_size", "batchSize", "--batch", "batch size", "samples per mini-batch",
             true, MLP_NUMBER_MEMBER(batch_size)),
       {1, 1 << 16}),
    in(field(G::Run, K::Number, "l2", "l2", "--l2", "L2 weight decay λ",
             "L2 weight decay λ on the weights (not the biases)", true, MLP_NUMBER_MEMBER(l2)),
       {0, 10}),
    in(field(G::Run, K::Integer, "seed", "seed", "--seed", "seed", "seed of initialisation and shuffling",
             true, MLP_NUMBER_MEMBER(seed)),
       {0, kMaxSafeInteger}),
    gradient_field(),

    // Added after model format 1 was first written: older files lack them and get the defaults.
    optional_in_file(
        in(field(G::Run, K::Integer, "train_limit", "trainLimit", "--train-limit", "training-set size",
                 "train on the first N training images only (0: all)", true, MLP_NUMBER_MEMBER(train_limit)),
           {0, 2147483647.0})),
    optional_in_file(one_of(field(G::Run, K::Choice, "init", "init", "--init", "initialization",
                                  "initial weights (uniform: Glorot, He for ReLU, zero biases; gaussian: "
                                  "N(0,1)/sqrt(fan-in) and N(0,1) biases, the course template's)",
                                  true, MLP_CHOICE_MEMBER(init, kInitializationNames)),
                            kInitializationNames)),
    optional_in_file(
        one_of(field(G::Run, K::Choice, "batching", "batching", "--batching", "batching",
                     "batches (shuffled: each image once an epoch; slices: the course template's "
                     "X[idxs[k]:idxs[k+B-1]], runs between two random indices)",
                     true, MLP_CHOICE_MEMBER(batching, kBatchingNames)),
               kBatchingNames)),
};

#undef MLP_NUMBER_MEMBER
#undef MLP_CHOICE_MEMBER

const char* kind_noun(FieldKind kind) {
  switch (kind) {
    case FieldKind::Number:
      return "a number";
    case FieldKind::Integer:
      return "a whole number";
    case FieldKind::Boolean:
      return "true or false";
    case FieldKind::Choice:
      return "a name";
    case FieldKind::Sizes:
      return "a list of sizes";
  }
  return "?";
}

bool holds_kind(const ConfigField& f, const FieldValue& v) {
  switch (f.kind) {
    case FieldKind::Number:
    case FieldKind::Integer:
      return std::holds_alternative<double>(v);
    case FieldKind::Boolean:
      return std::holds_alternative<bool>(v);
    case FieldKind::Choice:
      return std::holds_alternative<std::string>(v);
    case FieldKind::Sizes:
      return std::holds_alternative<std::vector<int>>(v);
  }
  return false;
}

void check_sizes(const ConfigField& f, const std::vector<int>& sizes) {
  const auto n = static_cast<double>(sizes.size());
  if (n < f.count.min)
    throw ConfigError("a network needs at least an input and an output size, got " +
                      std::to_string(sizes.size()) + " size(s)");
  if (n > f.count.max)
    throw ConfigError("at most " + format_number(f.count.max - 2) + " hidden layers are supported, got " +
                      format_number(n - 2));
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::string which = "layer " + std::to_string(k) + " has size " + std::to_string(sizes[k]);
    if (sizes[k] < f.range.min)
      throw ConfigError(which + "; every size must be at least " + format_number(f.range.min));
    if (sizes[k] > f.range.max)
      throw ConfigError(which + ", more than the maximum width " + format_number(f.range.max));
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
  return std::string(min_open ? "(" : "[") + format_number(min) + ", " + format_number(max) +
         (max_open ? ")" : "]");
}

ConfigFields config_fields() {
  return {kFields, sizeof kFields / sizeof kFields[0]};
}

const ConfigField& config_field(const std::string& name) {
  for (const auto& f : config_fields())
    if (name == f.name) return f;
  throw Error("no configuration field '" + name + "'");
}

void check_value(const ConfigField& f, const FieldValue& v) {
  const std::string label = f.label;
  if (!holds_kind(f, v)) throw ConfigError(label + " must be " + kind_noun(f.kind));
  switch (f.kind) {
    case FieldKind::Number: {
      const double x = std::get<double>(v);
      if (!f.range.contains(x))
        throw ConfigError(label + " must be a number in " + f.range.describe() + ", got " + format_number(x));
      return;
    }
    case FieldKind::Integer: {
      const double x = std::get<double>(v);
      if (!std::isfinite(x) || std::floor(x) != x)
        throw ConfigError(label + " must be a whole number, got " + format_number(x));
      if (!f.range.contains(x))
        throw ConfigError(label + " must be between " + format_number(f.range.min) + " and " +
                          format_number(f.range.max) + ", got " + format_number(x));
      return;
    }
    case FieldKind::Boolean:
      return;
    case FieldKind::Choice: {
      const auto& name = std::get<std::string>(v);
      for (std::size_t i = 0; i < f.choice_count; ++i)
        if (name == f.choices[i]) return;
      std::string list;
      for (std::size_t i = 0; i < f.choice_count; ++i)
        list += (i == 0 ? "" : i + 1 == f.choice_count ? " or " : ", ") + std::string(f.choices[i]);
      const std::string shown = name.size() > 32 ? name.substr(0, 32) + "…" : name;
      throw ConfigError("unknown " + label + " '" + shown + "' (expected " + list + ")");
    }
    case FieldKind::Sizes:
      check_sizes(f, std::get<std::vector<int>>(v));
      return;
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

namespace {

// The whole text must be a decimal number ("1e-3", "-0.5"); strtod's hex,
// "inf", "nan" and leading spaces are refused.
double number_text(const std::string& text, const std::string& where) {
  const bool plain =
      !text.empty() && text.size() <= 64 && text.find_first_not_of("0123456789+-.eE") == std::string::npos;
  char* end = nullptr;
  const double x = plain ? std::strtod(text.c_str(), &end) : NAN;
  if (!plain || end != text.c_str() + text.size())
    throw ConfigError(where + " expects a number, got '" + text.substr(0, 32) + "'");
  return x;
}

// Digits with an optional sign; kept as a double so that the range is checked
// before any conversion ("--batch 4294967424" is an error, not 128).
double integer_text(const std::string& text, const std::string& where) {
  const std::size_t first = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  const bool plain = text.size() > first && text.size() <= 20 &&
                     text.find_first_not_of("0123456789", first) == std::string::npos;
  if (!plain) throw ConfigError(where + " expects a whole number, got '" + text.substr(0, 32) + "'");
  return std::strtod(text.c_str(), nullptr);
}

}  // namespace

FieldValue parse_value(const ConfigField& f, const std::string& text, const std::string& where) {
  switch (f.kind) {
    case FieldKind::Number:
      return number_text(text, where);
    case FieldKind::Integer:
      return integer_text(text, where);
    case FieldKind::Choice:
      return text;
    case FieldKind::Sizes:
      return parse_sizes(text);
    case FieldKind::Boolean:
      if (text == "true" || text == "false") return text == "true";
      throw ConfigError(where + " expects true or false, got '" + text.substr(0, 32) + "'");
  }
  throw ConfigError(where + ": unsupported kind");
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
