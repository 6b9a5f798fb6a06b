#pragma once
// The training configuration described once. Every field of TrainConfig has
// one entry in config_fields(): its names (model file and C++, JavaScript,
// command line), kind, range, default and whether changing it needs a new
// network. Validation, the model file's metadata, the command line's flags
// and help, the bindings and, through the engine's schema() call, the page's
// form are all derived from that table: adding a hyperparameter is one entry
// there plus the code that uses it. The table is constant data.
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "train_config.hpp"

namespace mlp {

enum class FieldKind { Number, Integer, Boolean, Choice, Sizes };
inline constexpr EnumNames<5> kFieldKindNames{"number", "integer", "boolean", "choice", "sizes"};

// Which part of the configuration a field belongs to. Model files keep the
// architecture's fields apart from the others ("architecture", "training").
enum class FieldGroup { Architecture, Optimizer, Run };

// A closed or half-open interval of numbers.
struct Interval {
  double min = 0, max = 0;
  bool min_open = false, max_open = false;

  bool contains(double x) const;
  std::string describe() const;  // "(0, 100]"
};

// A field's value: Number and Integer as double (integers are exact up to
// 2^53, the largest any field allows), Boolean, Choice as its name, Sizes.
using FieldValue = std::variant<double, bool, std::string, std::vector<int>>;

// A flag that sets one choice of a Choice field ("--sum" for --gradient sum).
struct Shorthand {
  const char* flag = nullptr;
  const char* choice = nullptr;
};

struct ConfigField {
  FieldGroup group;
  FieldKind kind;
  const char* name;     // model-file key, snake_case ("learning_rate")
  const char* js_name;  // the engine's JS objects and the page's form ("learningRate")
  const char* flag;     // command line ("--lr"); a Boolean's "--x" sets it and "--no-x" clears it
  const char* label;    // in messages ("learning rate")
  const char* help;     // one line for --help and the page
  bool structural;      // changing it needs a new network; the others apply live
  FieldValue (*get)(const TrainConfig&);
  void (*set)(TrainConfig&, const FieldValue&);  // after check_value
  Interval range{};                              // Number, Integer; Sizes: each size
  Interval count{};                              // Sizes: how many sizes
  double max_parameters = 0;                     // Sizes: weights and biases in all
  const char* const* choices = nullptr;          // Choice
  std::size_t choice_count = 0;
  Shorthand shorthands[2]{};     // Choice
  bool required_in_file = true;  // false for fields added after model format 1

  FieldValue default_value() const { return get(TrainConfig{}); }
};

// The table, as a range of ConfigField.
struct ConfigFields {
  const ConfigField* first;
  std::size_t count;
  const ConfigField* begin() const { return first; }
  const ConfigField* end() const { return first + count; }
  std::size_t size() const { return count; }
};

ConfigFields config_fields();
// The field whose model-file name is `name` (a programming error otherwise).
const ConfigField& config_field(const std::string& name);

// Throws ConfigError, naming the field, unless v has the field's kind and lies in its range.
void check_value(const ConfigField& field, const FieldValue& v);
// check_value, then stores v in c.
void assign(TrainConfig& c, const ConfigField& field, const FieldValue& v);
// check_value for every field of `group`.
void validate_group(const TrainConfig& c, FieldGroup group);

// A value written as text, as the command line and the presets give it
// ("0.001", "128", "784-20-10", "sigmoid", "true"): strict (the whole text,
// no hex, no "inf"); throws ConfigError naming `where`. Ranges are not checked.
FieldValue parse_value(const ConfigField& field, const std::string& text, const std::string& where);

// Shortest text that reads back as the same double ("0.1", "1e-05", "NaN"),
// whole numbers as JavaScript prints them ("65536").
std::string format_number(double x);
// A value as the command line writes it ("0.001", "784-20-10", "sigmoid", "true").
std::string format_value(const FieldValue& v);

}  // namespace mlp
