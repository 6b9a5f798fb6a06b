// Embind adapter: the core (namespace mlp) as a handful of coarse calls for
// JavaScript. This file only validates JS values, converts them to and from
// core types, and turns every C++ exception into a value; all the maths is
// in core/. wasm/engine.mjs wraps these calls in the public JS API.
//
// Conventions at the boundary:
//   - Every call returns { ok: true, value } or { ok: false, kind, error }.
//     No exception ever crosses into JS (it would leak wasm stack and arrive
//     as a bare number), so the module stays usable after any failure.
//   - Inputs are read with type checks that cannot throw in JS: a JS
//     exception thrown through wasm would skip the C++ destructors.
//   - Typed arrays going in are copied into C++ storage; results are copied
//     into fresh JS-owned typed arrays (slice() of a temporary heap view), so
//     no view of wasm memory outlives the call that created it.
//   - Names are camelCase in JS, snake_case in C++.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/config_field.hpp"
#include "core/config_preset.hpp"
#include "core/data_split.hpp"
#include "core/dataset.hpp"
#include "core/errors.hpp"
#include "core/evaluation.hpp"
#include "core/health_sample.hpp"
#include "core/inspection.hpp"
#include "core/lr_range_test.hpp"
#include "core/memory_estimate.hpp"
#include "core/model_file.hpp"
#include "core/model_import.hpp"
#include "core/onnx_export.hpp"
#include "core/pareto.hpp"
#include "core/safetensors.hpp"
#include "core/spike_detector.hpp"
#include "core/thread_pool.hpp"
#include "core/trainer.hpp"
#include "core/training_cost.hpp"

namespace {

using emscripten::val;

// A bad argument that is not a training-configuration problem (wrong type,
// index out of range, unknown split...).
struct ArgumentError : mlp::Error {
  using mlp::Error::Error;
};

// The WebAssembly heap's maximum in bytes, -sMAXIMUM_MEMORY (wasm/CMakeLists.txt).
#ifndef MLP_WASM_MAXIMUM_MEMORY
#error "MLP_WASM_MAXIMUM_MEMORY is defined by wasm/CMakeLists.txt, with -sMAXIMUM_MEMORY"
#endif
constexpr double kMaximumMemory = MLP_WASM_MAXIMUM_MEMORY;

// ---- Results ---------------------------------------------------------------

val success(val value) {
  val r = val::object();
  r.set("ok", true);
  r.set("value", std::move(value));
  return r;
}

val failure(const char* kind, const std::string& message) {
  val r = val::object();
  r.set("ok", false);
  r.set("kind", std::string(kind));
  r.set("error", message);
  return r;
}

// Runs f() and converts every exception into a failure value. The most
// specific core type is reported as `kind`, the message is the core's own.
template <typename F>
val guarded(F&& f) {
  try {
    return success(f());
  } catch (const mlp::ConfigError& e) {
    return failure("ConfigError", e.what());
  } catch (const mlp::IdxError& e) {
    return failure("IdxError", e.what());
  } catch (const mlp::ModelFileError& e) {
    return failure("ModelFileError", e.what());
  } catch (const mlp::DivergedError& e) {
    return failure("DivergedError", e.what());
  } catch (const ArgumentError& e) {
    return failure("ArgumentError", e.what());
  } catch (const mlp::Error& e) {
    return failure("Error", e.what());
  } catch (const std::bad_alloc&) {
    return failure("OutOfMemory", "out of memory: the WebAssembly heap cannot grow any further (limit " +
                                      mlp::format_bytes(kMaximumMemory) +
                                      "); try a smaller network or batch size");
  } catch (const std::exception& e) {
    return failure("Error", e.what());
  } catch (...) {
    return failure("Error", "unknown C++ exception");
  }
}

// ---- Reading JS values -----------------------------------------------------

using mlp::format_number;

std::string describe(const val& v) {
  if (v.isNumber()) return format_number(v.as<double>());
  if (v.isString()) {
    const std::string text = v.as<std::string>();
    return "'" + (text.size() > 32 ? text.substr(0, 32) + "…" : text) + "'";
  }
  if (v.isNull()) return "null";
  if (v.isArray()) return "an array";
  return "a value of type " + v.typeOf().as<std::string>();
}

// E is the error type reported: ConfigError for training settings,
// ArgumentError for everything else.
template <typename E = mlp::ConfigError>
double number_of(const val& v, const std::string& name) {
  if (!v.isNumber()) throw E(name + " must be a number, got " + describe(v));
  return v.as<double>();
}

// An integer in [lo, hi], reported under `name` otherwise.
template <typename E = mlp::ConfigError>
long long integer_of(const val& v, const std::string& name, double lo, double hi) {
  const double x = number_of<E>(v, name);
  if (!std::isfinite(x) || std::floor(x) != x)
    throw E(name + " must be a whole number, got " + format_number(x));
  if (x < lo || x > hi)
    throw E(name + " must be between " + format_number(lo) + " and " + format_number(hi) + ", got " +
            format_number(x));
  return static_cast<long long>(x);
}

std::string string_of(const val& v, const std::string& name) {
  if (!v.isString()) throw mlp::ConfigError(name + " must be a string, got " + describe(v));
  return v.as<std::string>();
}

bool bool_of(const val& v, const std::string& name) {
  if (v.isTrue()) return true;
  if (v.isFalse()) return false;
  throw mlp::ConfigError(name + " must be true or false, got " + describe(v));
}

bool is_plain_object(const val& v) {
  return v.typeOf().as<std::string>() == "object" && !v.isNull() && !v.isArray();
}

// Rejects fields outside `known`, so a misspelt option is an error, not a
// silently ignored setting.
template <typename E = mlp::ConfigError>
void check_fields(const val& object, const std::vector<std::string>& known, const std::string& what) {
  const val keys = val::global("Object").call<val>("keys", object);
  const int n = keys["length"].as<int>();
  for (int i = 0; i < n; ++i) {
    const std::string key = keys[i].as<std::string>();
    bool found = false;
    for (const auto& k : known) found = found || k == key;
    if (!found) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw E("unknown " + what + " field '" + key + "' (expected " + list + ")");
    }
  }
}

bool has(const val& object, const char* field) {
  return !object[field].isUndefined();
}

// Copies a JS Uint8Array into C++ storage (one copy, through a heap view
// that exists only inside this function).
std::vector<std::uint8_t> bytes_of(const val& v, const std::string& name) {
  if (!v.instanceof (val::global("Uint8Array")))
    throw ArgumentError(name + " must be a Uint8Array, got " + describe(v));
  std::vector<std::uint8_t> out(v["length"].as<std::size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
  return out;
}

// Into `out`, reused from call to call (predict on 1000 images: 3 MB that
// would otherwise be allocated and freed every time).
void floats_into(const val& v, const std::string& name, std::vector<float>& out) {
  if (!v.instanceof (val::global("Float32Array")))
    throw ArgumentError(name + " must be a Float32Array, got " + describe(v));
  out.resize(v["length"].as<std::size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
}

// An Array or typed array of numbers (NaN and ±Infinity allowed: the core
// says what it accepts), reported under `name` otherwise.
std::vector<double> doubles_of(const val& v, const std::string& name) {
  if (!v.isArray() && !v.instanceof (val::global("Float64Array")) && !v.instanceof
      (val::global("Float32Array")))
    throw ArgumentError(name + " must be an array of numbers, got " + describe(v));
  const int n = v["length"].as<int>();
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    out.push_back(number_of<ArgumentError>(v[i], name + "[" + std::to_string(i) + "]"));
  return out;
}

// ---- Writing JS values -----------------------------------------------------

// A JS-owned copy of n elements at p.
template <typename T>
val copy_out(const T* p, std::size_t n) {
  return val(emscripten::typed_memory_view(n, p)).call<val>("slice");
}

// ---- Configuration ---------------------------------------------------------
// Every field is read and written through the core's table (config_field.hpp):
// here only JS types are checked; ranges and choices are the core's.

// A JS value as the field's kind; type errors name the field as JS does.
mlp::FieldValue field_value(const mlp::ConfigField& f, const val& v) {
  const std::string name = f.js_name;
  switch (f.kind) {
    case mlp::FieldKind::Number:
      return number_of(v, name);
    case mlp::FieldKind::Integer: {
      const double x = number_of(v, name);
      if (!std::isfinite(x) || std::floor(x) != x)
        throw mlp::ConfigError(name + " must be a whole number, got " + format_number(x));
      return x;
    }
    case mlp::FieldKind::Boolean:
      return bool_of(v, name);
    case mlp::FieldKind::Choice:
      return string_of(v, name);
    case mlp::FieldKind::Sizes: {
      if (!v.isArray()) throw mlp::ConfigError(name + " must be an array of sizes, got " + describe(v));
      const int n = v["length"].as<int>();
      if (n > 1000) throw mlp::ConfigError(name + " has " + std::to_string(n) + " entries");
      std::vector<int> sizes;
      for (int k = 0; k < n; ++k)  // ranges are the core's; only what cannot become an int is caught here
        sizes.push_back(static_cast<int>(
            integer_of(v[k], name + "[" + std::to_string(k) + "]", -2147483648.0, 2147483647.0)));
      return sizes;
    }
  }
  throw mlp::ConfigError("unsupported field kind");
}

val value_to_js(const mlp::FieldValue& v) {
  if (const auto* x = std::get_if<double>(&v)) return val(*x);
  if (const auto* b = std::get_if<bool>(&v)) return val(*b);
  if (const auto* s = std::get_if<std::string>(&v)) return val(*s);
  val out = val::array();
  for (int size : std::get<std::vector<int>>(v)) out.call<void>("push", size);
  return out;
}

// The JS names of the fields `pick` selects.
template <typename Pick>
std::vector<std::string> js_names(Pick pick) {
  std::vector<std::string> names;
  for (const auto& f : mlp::config_fields())
    if (pick(f)) names.push_back(f.js_name);
  return names;
}

// Sets the fields present in the JS object c (all of which `pick` must
// select) on config; `what` names the object in errors.
template <typename Pick>
void read_fields(const val& c, mlp::TrainConfig& config, Pick pick, const std::string& what) {
  check_fields(c, js_names(pick), what);
  for (const auto& f : mlp::config_fields())
    if (pick(f) && has(c, f.js_name)) mlp::assign(config, f, field_value(f, c[f.js_name]));
}

const auto kAllFields = [](const mlp::ConfigField&) { return true; };
const auto kOptimizerFields = [](const mlp::ConfigField& f) { return f.group == mlp::FieldGroup::Optimizer; };
// An imported model's options: everything but the layer sizes, which are the file's.
const auto kImportFields = [](const mlp::ConfigField& f) { return std::string(f.name) != "sizes"; };

// Plain JS config → TrainConfig (missing fields keep their defaults).
mlp::TrainConfig read_config(const val& c) {
  mlp::TrainConfig config;
  if (c.isUndefined() || c.isNull()) return config;
  if (!is_plain_object(c)) throw mlp::ConfigError("the trainer config must be an object, got " + describe(c));
  read_fields(c, config, kAllFields, "config");
  config.validate();
  return config;
}

val config_to_js(const mlp::TrainConfig& c) {
  val out = val::object();
  for (const auto& f : mlp::config_fields()) out.set(f.js_name, value_to_js(f.get(c)));
  return out;
}

val interval_to_js(const mlp::Interval& range, val out) {
  out.set("min", range.min);
  out.set("max", range.max);
  out.set("minOpen", range.min_open);
  out.set("maxOpen", range.max_open);
  return out;
}

// The table itself, for the page's form: [{ name, jsName, kind, default, ... }]. Its texts go out as
// std::string: Embind reads a const char* as Latin-1, which garbles λ and η.
val schema_to_js() {
  val fields = val::array();
  for (const auto& f : mlp::config_fields()) {
    val out = val::object();
    out.set("name", std::string(f.name));
    out.set("jsName", std::string(f.js_name));
    out.set("flag", std::string(f.flag));
    out.set("label", std::string(f.label));
    out.set("help", std::string(f.help));
    out.set("kind", mlp::enum_name(mlp::kFieldKindNames, f.kind));
    out.set("structural", f.structural);
    out.set("default", value_to_js(f.default_value()));
    if (f.kind == mlp::FieldKind::Number || f.kind == mlp::FieldKind::Integer ||
        f.kind == mlp::FieldKind::Sizes)
      interval_to_js(f.range, out);
    if (f.kind == mlp::FieldKind::Sizes) {
      out.set("countMin", f.count.min);
      out.set("countMax", f.count.max);
      out.set("maxParameters", f.max_parameters);
    }
    if (f.kind == mlp::FieldKind::Choice) {
      val choices = val::array();
      for (std::size_t i = 0; i < f.choice_count; ++i) choices.call<void>("push", std::string(f.choices[i]));
      out.set("choices", choices);
    }
    fields.call<void>("push", out);
  }
  return fields;
}

// ---- Data ------------------------------------------------------------------

// The engine's loaded splits, shared with its trainers so that a trainer
// picks up data loaded after it was created.
struct Data {
  std::shared_ptr<const mlp::Dataset> train, validation, test;

  const mlp::Dataset& split(const val& name) const {
    if (!train) throw ArgumentError("no data loaded: call loadData first");
    const std::string s = name.isString() ? name.as<std::string>() : std::string();
    if (s == "train") return *train;
    if (s == "validation") return *validation;
    if (s == "test") return *test;
    throw ArgumentError("unknown split " + describe(name) + " (expected 'train', 'validation' or 'test')");
  }
};

// ---- Threads ---------------------------------------------------------------
// One pool per module, made once by initThreads (engine.mjs): in the threaded
// build its threads are Emscripten's pre-created pthread workers; in the
// single-threaded build it has only the calling thread. Every trainer trains
// on its active threads; changing the count never changes results.

std::unique_ptr<mlp::ThreadPool>& pool_slot() {
  static std::unique_ptr<mlp::ThreadPool> pool;
  return pool;
}

mlp::ThreadPool* thread_pool() {
  return pool_slot().get();
}

// threads: in all, the calling thread included (at most the pthread pool + 1).
val init_threads(val threads) {
  return guarded([&] {
    const int n =
        static_cast<int>(integer_of<ArgumentError>(threads, "threads", 1, mlp::ThreadPool::kMaxThreads));
    if (!pool_slot()) pool_slot() = std::make_unique<mlp::ThreadPool>(n);
    return val(pool_slot()->size());
  });
}

val set_threads(val threads) {
  return guarded([&] {
    if (!pool_slot()) throw ArgumentError("threads are not initialised");
    pool_slot()->set_active(
        static_cast<int>(integer_of<ArgumentError>(threads, "threads", 1, pool_slot()->size())));
    return val(pool_slot()->active());
  });
}

// { available, active }: threads the pool has and uses.
val thread_info() {
  val out = val::object();
  out.set("available", pool_slot() ? pool_slot()->size() : 1);
  out.set("active", pool_slot() ? pool_slot()->active() : 1);
  out.set("supported", mlp::ThreadPool::threads_supported());
  return out;
}

// ---- Trainer ---------------------------------------------------------------

mlp::LrRangeOptions lr_range_options_of(const val& options) {
  mlp::LrRangeOptions o;
  if (options.isUndefined() || options.isNull()) return o;
  if (!is_plain_object(options))
    throw mlp::ConfigError("the range test's options must be an object, got " + describe(options));
  check_fields(options, {"start", "end", "batches", "smoothing", "stopFactor"}, "range test");
  if (has(options, "start")) o.start = number_of(options["start"], "start");
  if (has(options, "end")) o.end = number_of(options["end"], "end");
  if (has(options, "batches"))
    o.batches = static_cast<int>(integer_of(options["batches"], "batches", 10, 100000));
  if (has(options, "smoothing")) o.smoothing = number_of(options["smoothing"], "smoothing");
  if (has(options, "stopFactor")) o.stop_factor = number_of(options["stopFactor"], "stopFactor");
  return o;
}

val lr_range_to_js(const mlp::LrRangeResult& r) {
  val out = val::object();
  out.set("rates", copy_out(r.rates.data(), r.rates.size()));
  out.set("losses", copy_out(r.losses.data(), r.losses.size()));
  out.set("smoothed", copy_out(r.smoothed.data(), r.smoothed.size()));
  out.set("pick", r.pick);
  out.set("pickIndex", r.pick_index);
  out.set("reason", r.reason);
  return out;
}

class TrainerHandle {
 public:
  TrainerHandle(std::unique_ptr<mlp::Trainer> trainer, std::shared_ptr<Data> data)
      : trainer_(std::move(trainer)), data_(std::move(data)), bound_train_(data_->train) {
    trainer_->set_thread_pool(thread_pool());
  }

  val train_batches(val n) {
    return guarded([&] {
      const int batches = static_cast<int>(integer_of<ArgumentError>(n, "the number of batches", 1, 1e9));
      sync_training_data();
      const mlp::ChunkResult r = trainer_->train_batches(batches);
      std::vector<float> loss, accuracy;
      loss.reserve(r.records->size());
      accuracy.reserve(r.records->size());
      for (const auto& rec : *r.records) {
        loss.push_back(rec.loss);
        accuracy.push_back(rec.accuracy);
      }
      val out = progress_to_js();
      out.set("batches", r.batches);
      out.set("samples", static_cast<double>(r.samples));
      out.set("loss", r.loss);
      out.set("accuracy", r.accuracy);
      out.set("epochFinished", r.epoch_finished);
      last_parallel_ms_ = r.parallel_ms;
      out.set("batchLoss", copy_out(loss.data(), loss.size()));
      out.set("batchAccuracy", copy_out(accuracy.data(), accuracy.size()));
      return out;
    });
  }

  // Of the last trainBatches: { parallelMs }, its time in the rounds of tasks that use every thread.
  val timing() const {
    val out = val::object();
    out.set("parallelMs", last_parallel_ms_);
    return out;
  }

  val evaluate(val split) {
    return guarded([&] { return evaluation_to_js(trainer_->evaluate(data_->split(split))); });
  }

  // The images it trains on (its first trainLimit training images), or the first `count` of them.
  val evaluate_training(val count) {
    return guarded([&] {
      sync_training_data();
      const int n = count.isUndefined()
                        ? -1
                        : static_cast<int>(integer_of<ArgumentError>(count, "count", 1, 2147483647.0));
      return evaluation_to_js(trainer_->evaluate_training(n));
    });
  }

  // images: Float32Array of n·inputs pixel values in [0, 1], image after image.
  val predict(val images) {
    return guarded([&] {
      std::vector<float>& x = input_;
      floats_into(images, "images", x);
      const int in = trainer_->network().input_size();
      if (x.empty() || x.size() % static_cast<std::size_t>(in) != 0)
        throw ArgumentError("images has " + std::to_string(x.size()) + " values, expected a multiple of " +
                            std::to_string(in) + " (one image of " + std::to_string(in) + " pixels)");
      // The check runs in the core (-O3, vectorised); only a failure looks for the index.
      if (!mlp::all_finite(x.data(), static_cast<Eigen::Index>(x.size())))
        for (std::size_t i = 0; i < x.size(); ++i)
          if (!std::isfinite(x[i]))
            throw ArgumentError("images[" + std::to_string(i) + "] is not a finite number");
      const auto n = static_cast<Eigen::Index>(x.size() / static_cast<std::size_t>(in));
      const mlp::Matrix<float> p = trainer_->predict(Eigen::Map<const mlp::Matrix<float>>(x.data(), in, n));
      return copy_out(p.data(), static_cast<std::size_t>(p.size()));  // column j = image j
    });
  }

  val predict_split(val split) {
    return guarded([&] {
      const mlp::Dataset& data = data_->split(split);
      const mlp::Predictions p = trainer_->predict_dataset(data);
      val result = val::object();
      result.set("labels", copy_out(data.labels.data(), data.labels.size()));
      result.set("predicted", copy_out(p.predicted.data(), p.predicted.size()));
      result.set("probabilities",
                 copy_out(p.probabilities.data(), static_cast<std::size_t>(p.probabilities.size())));
      return result;
    });
  }

  val layer_weights(val k) {
    return guarded([&] {
      const auto& net = trainer_->network();
      if (!k.isNumber() || std::floor(k.as<double>()) != k.as<double>() || k.as<double>() < 0 ||
          k.as<double>() >= net.layer_count())
        throw ArgumentError("layer index " + describe(k) + " is out of range: the network has " +
                            std::to_string(net.layer_count()) + " weight layers (0.." +
                            std::to_string(net.layer_count() - 1) + ")");
      const auto& layer = net.layer(static_cast<int>(k.as<double>()));
      // Conversion only: the core stores W column-major, JS wants rows.
      const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w = layer.w;
      val out = val::object();
      out.set("rows", layer.outputs());
      out.set("cols", layer.inputs());
      out.set("data", copy_out(w.data(), static_cast<std::size_t>(w.size())));
      out.set("bias", copy_out(layer.b.data(), static_cast<std::size_t>(layer.b.size())));
      return out;
    });
  }

  // One image of the network's input size, every value finite, in input_.
  const std::vector<float>& one_image(val image) {
    std::vector<float>& x = input_;
    floats_into(image, "image", x);
    const int in = trainer_->network().input_size();
    if (x.size() != static_cast<std::size_t>(in))
      throw ArgumentError("image has " + std::to_string(x.size()) + " values, expected " +
                          std::to_string(in));
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!std::isfinite(x[i]))
        throw ArgumentError("image[" + std::to_string(i) + "] is not a finite number");
    return x;
  }

  // One image's path: every hidden layer's activations, the logits and
  // probabilities, and what each unit feeding the output added to the winner.
  val trace_digit(val image) {
    return guarded([&] {
      const std::vector<float>& x = one_image(image);
      const int in = trainer_->network().input_size();
      const mlp::DigitPath<float> path =
          mlp::trace_digit(inspection_network(), Eigen::Map<const mlp::Matrix<float>>(x.data(), in, 1));
      val hidden = val::array();
      for (const auto& h : path.hidden) hidden.call<void>("push", copy_vector(h));
      val out = val::object();
      out.set("hidden", hidden);
      out.set("logits", copy_vector(path.logits));
      out.set("probabilities", copy_vector(path.probabilities));
      out.set("predicted", path.predicted);
      out.set("contributions", copy_vector(path.contributions));
      out.set("bias", path.bias);
      return out;
    });
  }

  // Each layer's health over images [start, start + count) of a split. Left
  // out, start is 0, count the core's sample (or what is left of the split)
  // and bins the core's (health_sample.hpp).
  val inspect_health(val split, val start, val count, val bins) {
    return guarded([&] {
      const mlp::Dataset& data = data_->split(split);
      const auto first = start.isUndefined() ? 0 : integer_of<ArgumentError>(start, "start", 0, data.size());
      const double left = std::min<double>(mlp::kMaxHealthSample, data.size() - first);
      if (count.isUndefined() && left < 1)
        throw ArgumentError("the " + split.as<std::string>() + " split has no images from index " +
                            std::to_string(first) + " on");
      const auto n = count.isUndefined()
                         ? std::min<long long>(mlp::kHealthSample, static_cast<long long>(left))
                         : integer_of<ArgumentError>(count, "count", 1, left);
      const int b = bins.isUndefined()
                        ? mlp::kHealthBins
                        : static_cast<int>(integer_of<ArgumentError>(bins, "bins", 1, mlp::kMaxHealthBins));
      mlp::Network<float>& net = inspection_network();
      if (data.features() != net.input_size())
        throw ArgumentError("the " + split.as<std::string>() + " images have " +
                            std::to_string(data.features()) + " pixels, the network takes " +
                            std::to_string(net.input_size()));
      mlp::Matrix<float> x(data.features(), n), y(net.output_size(), n);
      std::vector<std::int32_t> order(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), static_cast<std::int32_t>(first));
      mlp::gather_batch(data, order.data(), x, y);
      const mlp::NetworkHealth h = mlp::inspect_health(net, x, y, b);
      val layers = val::array();
      for (const auto& l : h.layers) {
        val layer = val::object();
        layer.set("units", l.units);
        layer.set("histogram", copy_out(l.histogram.data(), l.histogram.size()));
        layer.set("low", l.low);
        layer.set("high", l.high);
        layer.set("mean", l.mean);
        layer.set("saturated", l.saturated);
        layer.set("stuck", l.stuck);
        layer.set("weightGradientNorm", l.weight_gradient_norm);
        layer.set("biasGradientNorm", l.bias_gradient_norm);
        layer.set("weightNorm", l.weight_norm);
        layers.call<void>("push", layer);
      }
      val out = val::object();
      out.set("samples", h.samples);
      out.set("loss", h.loss);
      out.set("layers", layers);
      return out;
    });
  }

  // One image's backpropagation (core/backprop_trace.hpp): image, a
  // Float32Array of the input's size scaled as training scales pixels (/255),
  // and its label; options { checksPerLayer = 20, topPixels = 10 }.
  val trace_backprop(val image, val label, val options) {
    return guarded([&] {
      const std::vector<float>& x = one_image(image);
      const int in = trainer_->network().input_size();
      const int classes = trainer_->network().output_size();
      const auto y = static_cast<int>(integer_of<ArgumentError>(label, "label", 0, classes - 1));
      const mlp::TraceOptions o = trace_options(options);
      return trace_to_js(trainer_->trace_backprop(Eigen::Map<const mlp::Vector<float>>(x.data(), in), y, o));
    });
  }

  // The same for image `index` of a split, with its label, read as training reads it.
  val trace_backprop_split(val split, val index, val options) {
    return guarded([&] {
      const mlp::Dataset& data = data_->split(split);
      if (data.size() == 0) throw ArgumentError("the " + split.as<std::string>() + " split has no images");
      const auto i = static_cast<std::int32_t>(integer_of<ArgumentError>(index, "index", 0, data.size() - 1));
      const int in = trainer_->network().input_size();
      if (data.features() != in)
        throw ArgumentError("the " + split.as<std::string>() + " images have " +
                            std::to_string(data.features()) + " pixels, the network takes " +
                            std::to_string(in));
      const int label = data.labels[static_cast<std::size_t>(i)];
      if (label >= trainer_->network().output_size())
        throw ArgumentError("image " + std::to_string(i) + "'s label " + std::to_string(label) +
                            " is beyond the network's " + std::to_string(trainer_->network().output_size()) +
                            " outputs");
      const mlp::TraceOptions o = trace_options(options);
      mlp::Matrix<float> x(in, 1), y(256, 1);  // y: any label byte
      mlp::gather_batch(data, &i, x, y);
      return trace_to_js(trainer_->trace_backprop(x.col(0), label, o));
    });
  }

  // Records how each layer learns after every `every`-th batch (0: off),
  // keeping the last `capacity` records (default 1024).
  val set_dynamics(val every, val capacity) {
    return guarded([&] {
      const auto n = static_cast<int>(integer_of<ArgumentError>(every, "everyBatches", 0, 1000000));
      const int c = capacity.isUndefined()
                        ? mlp::DynamicsLog::kDefaultCapacity
                        : static_cast<int>(integer_of<ArgumentError>(capacity, "capacity", 1, 1000000));
      trainer_->set_dynamics(n, c);
      return val::undefined();
    });
  }

  // The records since the last call, oldest first: { steps: Int32Array, batchSize: Int32Array, loss,
  // gradNorm, stepNorm: Float32Array, dropped, every, layers: [{ gradNorm, updateRatio, activationMean,
  // activationStd, saturated }] }.
  val take_dynamics() {
    return guarded([&] {
      const mlp::DynamicsSeries s = trainer_->take_dynamics();
      const std::vector<std::int32_t> steps(s.steps.begin(), s.steps.end());
      val layers = val::array();
      for (const auto& l : s.layers) {
        val layer = val::object();
        layer.set("gradNorm", copy_out(l.grad_norm.data(), l.grad_norm.size()));
        layer.set("updateRatio", copy_out(l.update_ratio.data(), l.update_ratio.size()));
        layer.set("activationMean", copy_out(l.activation_mean.data(), l.activation_mean.size()));
        layer.set("activationStd", copy_out(l.activation_std.data(), l.activation_std.size()));
        layer.set("saturated", copy_out(l.saturated.data(), l.saturated.size()));
        layers.call<void>("push", layer);
      }
      val out = val::object();
      out.set("steps", copy_out(steps.data(), steps.size()));
      out.set("batchSize", copy_out(s.batch_size.data(), s.batch_size.size()));
      out.set("loss", copy_out(s.loss.data(), s.loss.size()));
      out.set("gradNorm", copy_out(s.grad_norm.data(), s.grad_norm.size()));
      out.set("stepNorm", copy_out(s.step_norm.data(), s.step_norm.size()));
      out.set("dropped", static_cast<double>(s.dropped));
      out.set("every", trainer_->dynamics_every());
      out.set("layers", layers);
      return out;
    });
  }

  // The learning-rate range test on a copy of this run (core/lr_range_test.hpp): options
  // { start, end, batches, smoothing, stopFactor }, each optional (the core's defaults).
  val lr_range_test(val options) {
    return guarded([&] {
      sync_training_data();
      return lr_range_to_js(mlp::lr_range_test(*trainer_, lr_range_options_of(options)));
    });
  }

  val set_learning_rate(val lr) {
    return guarded([&] {
      trainer_->set_learning_rate(number_of(lr, "learningRate"));
      return val::undefined();
    });
  }

  // Fields left out keep their current values; the optimiser's state restarts.
  val set_optimizer(val c) {
    return guarded([&] {
      if (!is_plain_object(c))
        throw mlp::ConfigError("the optimizer settings must be an object, got " + describe(c));
      mlp::TrainConfig next = trainer_->config();
      read_fields(c, next, kOptimizerFields, "optimizer");
      next.optimizer.validate();
      trainer_->set_optimizer(next.optimizer);
      return val::undefined();
    });
  }

  val config() const {
    return guarded([&] { return config_to_js(trainer_->config()); });
  }

  val progress() const {
    return guarded([&] { return progress_to_js(); });
  }

  // Written straight into a JS-owned Uint8Array, piece by piece from the
  // trainer's vectors: the wasm heap needs no copy of the model (a 600 MB
  // file would not fit beside the trainer it comes from).
  val save() const {
    return guarded([&] { return write_out(mlp::ModelWriter(trainer_->state_view())); });
  }

  // The network as an ONNX model (core/onnx_export.hpp), streamed as save() is.
  val export_onnx() const {
    return guarded([&] {
      return write_out(mlp::OnnxWriter(trainer_->config().architecture, trainer_->network().parameters()));
    });
  }

 private:
  // Hands the engine's current training split to the trainer if loadData
  // replaced it since the last call.
  void sync_training_data() {
    if (data_->train == bound_train_) return;
    trainer_->set_training_data(data_->train);
    bound_train_ = data_->train;
  }

  // A copy of the trainer's network for looking inside, so that inspection
  // never touches the trainer's workspace or gradients; its parameters are
  // brought up to date on every call (no allocation after the first).
  mlp::Network<float>& inspection_network() {
    if (!inspection_)
      inspection_ = std::make_unique<mlp::Network<float>>(trainer_->network());
    else
      inspection_->parameters() = trainer_->network().parameters();
    return *inspection_;
  }

  // A JS-owned Uint8Array of writer.size() bytes, filled piece by piece by writer.write.
  template <typename Writer>
  static val write_out(const Writer& writer) {
    val out = val::global("Uint8Array").new_(static_cast<double>(writer.size()));
    double at = 0;
    writer.write([&](const std::uint8_t* p, std::size_t n) {
      out.call<void>("set", val(emscripten::typed_memory_view(n, p)), at);
      at += static_cast<double>(n);
    });
    return out;
  }

  mlp::TraceOptions trace_options(const val& options) const {
    mlp::TraceOptions o;
    if (options.isUndefined() || options.isNull()) return o;
    if (!is_plain_object(options))
      throw ArgumentError("the trace options must be an object, got " + describe(options));
    check_fields<ArgumentError>(options, {"checksPerLayer", "topPixels"}, "trace options");
    if (has(options, "checksPerLayer"))
      o.checks_per_layer =
          static_cast<int>(integer_of<ArgumentError>(options["checksPerLayer"], "checksPerLayer", 1, 1000));
    if (has(options, "topPixels"))
      o.top_pixels = static_cast<int>(
          integer_of<ArgumentError>(options["topPixels"], "topPixels", 0, trainer_->network().input_size()));
    return o;
  }

  static val copy_doubles(const mlp::Vector<double>& v) {
    return copy_out(v.data(), static_cast<std::size_t>(v.size()));
  }

  // The trace with the CLI's names in camelCase (G_a → gA, grad_W → gradW,
  // G_h_prev → gHPrev, dL_dy_hat → dLDyHat); numbers as Float64Arrays,
  // gradW row-major [out][in].
  static val trace_to_js(const mlp::BackpropTrace& t) {
    val forward = val::array();
    for (const auto& f : t.forward) {
      val layer = val::object();
      layer.set("layer", f.layer);
      layer.set("a", copy_doubles(f.a));
      layer.set("h", copy_doubles(f.h));
      forward.call<void>("push", layer);
    }
    val backward = val::array();
    for (const auto& b : t.backward) {
      val layer = val::object();
      layer.set("layer", b.layer);
      layer.set("gA", copy_doubles(b.g_a));
      layer.set("gradB", copy_doubles(b.grad_b));
      const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w = b.grad_w;
      layer.set("gradW", copy_out(w.data(), static_cast<std::size_t>(w.size())));
      layer.set("rows", static_cast<int>(w.rows()));
      layer.set("cols", static_cast<int>(w.cols()));
      layer.set("gHPrev", copy_doubles(b.g_h_prev));
      backward.call<void>("push", layer);
    }
    val checks = val::array();
    for (const auto& c : t.gradient_check) {
      val parameters = val::array();
      for (const auto& p : c.parameters) {
        val q = val::object();
        q.set("row", p.row);
        q.set("column", p.column);
        q.set("backprop", p.backprop);
        q.set("numeric", p.numeric);
        q.set("kink", p.kink);
        parameters.call<void>("push", q);
      }
      val check = val::object();
      check.set("layer", c.layer);
      check.set("maxRelativeError", c.max_relative_error);
      check.set("relativeError", c.relative_error);
      check.set("floor", c.floor);
      check.set("checked", c.checked);
      check.set("kinks", c.kinks);
      check.set("step", mlp::kTraceStep);
      check.set("parameters", parameters);
      checks.call<void>("push", check);
    }
    val output = val::object();
    output.set("delta", copy_doubles(t.output_check.delta));
    output.set("numeric", copy_doubles(t.output_check.numeric));
    output.set("relativeError", t.output_check.relative_error);
    output.set("maxRelativeError", t.output_check.max_relative_error);
    output.set("floor", t.output_check.floor);
    const mlp::Derivation& d = t.derivation;
    val derivation = val::object();
    derivation.set("loss", mlp::to_string(d.loss));
    derivation.set("y", copy_doubles(d.y));
    derivation.set("yHat", copy_doubles(d.y_hat));
    derivation.set("dLDyHat", copy_doubles(d.dl_dy_hat));
    if (d.sigma_prime.size()) derivation.set("sigmaPrime", copy_doubles(d.sigma_prime));
    derivation.set("product", copy_doubles(d.product));
    derivation.set("delta", copy_doubles(d.delta));
    const mlp::StepEffect& s = t.step;
    val top = val::array();
    for (const auto& [pixel, change] : s.top_pixels) {
      val p = val::object();
      p.set("pixel", pixel);
      p.set("change", change);
      top.call<void>("push", p);
    }
    val step = val::object();
    step.set("optimizer", mlp::to_string(s.optimizer));
    step.set("learningRate", s.learning_rate);
    step.set("gradientFactor", s.factor);
    step.set("l2", s.l2);
    step.set("lossBefore", s.loss_before);
    step.set("lossAfter", s.loss_after);
    step.set("topPixels", top);
    step.set("pixelChange", copy_doubles(s.pixel_change));
    val out = val::object();
    out.set("label", t.label);
    out.set("loss", t.loss);
    out.set("gradientFactor", t.factor);
    out.set("l2", t.l2);
    out.set("forward", forward);
    out.set("backward", backward);
    out.set("gradientCheck", checks);
    out.set("outputCheck", output);
    out.set("derivation", derivation);
    out.set("step", step);
    return out;
  }

  static val copy_vector(const mlp::Vector<float>& v) {
    return copy_out(v.data(), static_cast<std::size_t>(v.size()));
  }

  static val evaluation_to_js(const mlp::Evaluation& e) {
    val out = val::object();
    out.set("loss", e.loss);
    out.set("accuracy", e.accuracy);
    out.set("count", e.count);
    out.set("confusion", copy_out(e.confusion.data(), e.confusion.size()));
    return out;
  }

  val progress_to_js() const {
    const mlp::Progress& p = trainer_->progress();
    val out = val::object();
    out.set("epoch", p.epoch);
    out.set("batchInEpoch", p.batch_in_epoch);
    out.set("batchesPerEpoch", trainer_->batches_per_epoch());
    out.set("step", static_cast<double>(p.step));
    return out;
  }

  std::unique_ptr<mlp::Trainer> trainer_;
  std::shared_ptr<Data> data_;
  std::shared_ptr<const mlp::Dataset> bound_train_;
  std::unique_ptr<mlp::Network<float>> inspection_;
  std::vector<float> input_;  // predict()'s images, the buffer kept between calls
  double last_parallel_ms_ = 0;
};

// ---- Engine ----------------------------------------------------------------

class Engine {
 public:
  Engine() : data_(std::make_shared<Data>()) {}

  // { trainImages, trainLabels, testImages, testLabels, validation = mlp::kValidationImages }
  val load_data(val d) {
    return guarded([&] {
      if (!is_plain_object(d)) throw ArgumentError("loadData needs an object, got " + describe(d));
      check_fields<ArgumentError>(d, {"trainImages", "trainLabels", "testImages", "testLabels", "validation"},
                                  "loadData");
      int validation = mlp::kValidationImages;
      if (has(d, "validation"))
        validation = static_cast<int>(integer_of(d["validation"], "validation", -2147483648.0, 2147483647.0));
      mlp::Splits splits;
      {  // the raw bytes are released as soon as they are parsed
        mlp::Dataset train = mlp::Dataset::from_idx(bytes_of(d["trainImages"], "trainImages"),
                                                    bytes_of(d["trainLabels"], "trainLabels"), "train");
        mlp::Dataset test = mlp::Dataset::from_idx(bytes_of(d["testImages"], "testImages"),
                                                   bytes_of(d["testLabels"], "testLabels"), "test");
        splits = mlp::make_splits(train, std::move(test), validation);
      }
      // Replace all three only once everything has parsed.
      auto next = std::make_shared<mlp::Dataset>(std::move(splits.train));
      data_->validation = std::make_shared<mlp::Dataset>(std::move(splits.validation));
      data_->test = std::make_shared<mlp::Dataset>(std::move(splits.test));
      data_->train = std::move(next);
      return data_info();
    });
  }

  val create_trainer(val config) {
    return guarded([&] {
      const mlp::TrainConfig c = read_config(config);
      return val(TrainerHandle(std::make_unique<mlp::Trainer>(c, data_->train), data_));
    });
  }

  val load_model(val bytes) {
    return guarded([&] {
      mlp::TrainerState state;
      {  // the file's bytes are freed before the trainer is built
        const std::vector<std::uint8_t> file = bytes_of(bytes, "model bytes");
        state = mlp::load_model(file.data(), file.size());
      }
      return val(TrainerHandle(std::make_unique<mlp::Trainer>(state, data_->train), data_));
    });
  }

  // What a model file is, before loading it (core/model_import.hpp): { kind: 'ours' | 'pytorch', layers,
  // dtype, layerNames, missing, parameters, activation, loss (null where the file does not say), config }.
  // A PyTorch file's shapes are checked against the loaded data (MNIST's 784 → 10 before loadData).
  val inspect_model_file(val bytes) {
    return guarded([&] {
      const std::vector<std::uint8_t> file = bytes_of(bytes, "model bytes");
      const mlp::ModelFileInfo info = mlp::inspect_model_file(file.data(), file.size(), data_shape());
      val out = val::object();
      out.set("kind", mlp::enum_name(mlp::kModelFileKindNames, info.kind));
      val layers = val::array(), names = val::array(), missing = val::array();
      for (int size : info.sizes) layers.call<void>("push", size);
      for (const auto& n : info.layer_names) names.call<void>("push", n);
      for (const auto& m : info.missing) missing.call<void>("push", m);
      out.set("layers", layers);
      out.set("dtype", info.dtype);
      out.set("layerNames", names);
      out.set("missing", missing);
      out.set("parameters", info.parameters);
      const bool ours = info.kind == mlp::ModelFileKind::Ours;
      out.set("activation", ours ? val(mlp::to_string(info.config.architecture.hidden)) : val::null());
      out.set("loss", ours ? val(mlp::to_string(info.config.architecture.output)) : val::null());
      out.set("config", config_to_js(info.config));
      return out;
    });
  }

  // A PyTorch MLP (a state_dict of linear layers in .safetensors) as a new run. options: the config's
  // fields but layers (the file's), by their JS names; activation and loss default to 'relu' and
  // 'softmax-ce', the others to createTrainer's defaults.
  val load_foreign_model(val bytes, val options) {
    return guarded([&] {
      mlp::TrainConfig config = mlp::imported_defaults();
      if (!options.isUndefined() && !options.isNull()) {
        if (!is_plain_object(options))
          throw mlp::ConfigError("the import options must be an object, got " + describe(options));
        if (has(options, "layers"))
          throw mlp::ConfigError("an imported model's layer sizes are the file's: leave out 'layers'");
        read_fields(options, config, kImportFields, "import option");
      }
      mlp::TrainerState state;
      {  // the file's bytes are freed before the trainer is built
        const std::vector<std::uint8_t> file = bytes_of(bytes, "model bytes");
        state = mlp::import_model(file.data(), file.size(), config, data_shape());
      }
      return val(TrainerHandle(std::make_unique<mlp::Trainer>(state, data_->train), data_));
    });
  }

  // Raw pixels of images [start, start + count) of a split, image after image.
  val split_images(val split, val start, val count) {
    return guarded([&] {
      const mlp::Dataset& data = data_->split(split);
      const auto first = integer_of<ArgumentError>(start, "start", 0, data.size());
      const auto n = integer_of<ArgumentError>(count, "count", 0, static_cast<double>(data.size() - first));
      const std::uint8_t* p = data.images.data() + first * data.features();
      return copy_out(p, static_cast<std::size_t>(n * data.features()));
    });
  }

  val data_info() const {
    if (!data_->train) return val::null();
    val out = val::object();
    out.set("train", data_->train->size());
    out.set("validation", data_->validation->size());
    out.set("test", data_->test->size());
    out.set("rows", data_->train->rows);
    out.set("cols", data_->train->cols);
    return out;
  }

 private:
  // What an imported network must take and give: the loaded data's, or MNIST's before loadData.
  mlp::DataShape data_shape() const {
    if (!data_->train) return {};
    return {data_->train->features(), data_->train->num_classes};
  }

  std::shared_ptr<Data> data_;
};

// ---- Module-level facts ----------------------------------------------------

bool simd() {
#ifdef __wasm_simd128__
  return true;
#else
  return false;
#endif
}

bool eigen_vectorized() {
#ifdef EIGEN_VECTORIZE
  return true;
#else
  return false;
#endif
}

// The configuration's fields: names, kinds, ranges, defaults (see schema_to_js).
val config_schema() {
  return schema_to_js();
}

// The core's named readings of the report: [{ name, label, description, config }],
// config holding only the fields the preset sets, by their JS names.
val config_presets() {
  val out = val::array();
  for (const auto& p : mlp::config_presets()) {
    val preset = val::object();
    preset.set("name", std::string(p.name));
    preset.set("label", std::string(p.label));
    preset.set("description", std::string(p.description));
    val config = val::object();
    for (const auto& v : p.values) {
      if (!v.field) continue;
      const mlp::ConfigField& f = mlp::config_field(v.field);
      config.set(f.js_name, value_to_js(mlp::parse_value(f, v.text, f.name)));
    }
    preset.set("config", config);
    out.call<void>("push", preset);
  }
  return out;
}

// A JS config checked as createTrainer would, without building a network:
// { ok, value: the complete config } or the error createTrainer would give.
val validate_config(val config) {
  return guarded([&] { return config_to_js(read_config(config)); });
}

// What a config needs (core/memory_estimate.hpp), in bytes, with the budget
// it is checked against: { parameters, file, training, saving, loading, peak, budget }.
// The config's fields are checked first, but not the memory it needs.
val memory_estimate(val config) {
  return guarded([&] {
    mlp::TrainConfig c;
    if (!config.isUndefined() && !config.isNull()) {
      if (!is_plain_object(config))
        throw mlp::ConfigError("the trainer config must be an object, got " + describe(config));
      read_fields(config, c, kAllFields, "config");
    }
    const mlp::MemoryEstimate e = mlp::estimate_memory(c);
    val out = val::object();
    out.set("parameters", e.parameters);
    out.set("file", e.file);
    out.set("training", e.training);
    out.set("saving", e.saving);
    out.set("loading", e.loading);
    out.set("peak", e.peak());
    out.set("budget", mlp::memory_budget());
    return out;
  });
}

// The mean loss per sample a network of this config starts near (all
// logits 0: out·ln 2 for sigmoid + BCE, ln out for softmax + CE;
// core/training_dynamics.hpp). The config is checked as createTrainer would.
val expected_initial_loss(val config) {
  return guarded([&] { return val(mlp::expected_initial_loss(read_config(config).architecture)); });
}

// What uploads are checked against: { memoryBudget, maxModelFileBytes }.
val limits() {
  val out = val::object();
  out.set("memoryBudget", mlp::memory_budget());
  out.set("maxModelFileBytes", mlp::max_model_file_bytes(mlp::config_field("sizes").max_parameters));
  return out;
}

// The engine's fixed facts, each read from its one home in the core or the
// build, so that the page asks instead of repeating them: the defaults of
// loadData and inspectHealth, and every limit an input is checked against.
val constants() {
  val out = val::object();
  out.set("validationImages", mlp::kValidationImages);
  out.set("healthSample", mlp::kHealthSample);
  out.set("healthBins", mlp::kHealthBins);
  out.set("maxHealthSample", mlp::kMaxHealthSample);
  out.set("maxHealthBins", mlp::kMaxHealthBins);
  const double max_parameters = mlp::config_field("sizes").max_parameters;
  out.set("maxParameters", max_parameters);
  out.set("memoryBudget", mlp::memory_budget());
  out.set("maxModelFileBytes", mlp::max_model_file_bytes(max_parameters));
  out.set("maxModelHeaderBytes", static_cast<double>(mlp::kMaxSafetensorsHeaderBytes));
  out.set("maximumMemory", kMaximumMemory);
  return out;
}

// Weights and biases of a network with these layer sizes, Σ_k n_k (n_{k−1} + 1)
// (core/architecture.hpp). Only the sizes' types are checked, not the
// configuration's limits, so that too large a network can be told how large it is.
val parameter_count(val layers) {
  return guarded([&] {
    const auto sizes = std::get<std::vector<int>>(field_value(mlp::config_field("sizes"), layers));
    for (std::size_t k = 0; k < sizes.size(); ++k)
      if (sizes[k] < 1)
        throw mlp::ConfigError("layers[" + std::to_string(k) + "] must be at least 1, got " +
                               std::to_string(sizes[k]));
    return val(mlp::parameter_count(sizes));
  });
}

// ---- Analysis ----------------------------------------------------------------
// The core's pure analysis functions (spike_detector, training_cost, pareto,
// lr_range_test): the page's study views ask these instead of recomputing.

val spike_rule_to_js(const mlp::SpikeRule& r) {
  val out = val::object();
  out.set("threshold", r.threshold);
  out.set("after", r.after);
  return out;
}

// The default rule: { threshold, after }.
val spike_rule() {
  return spike_rule_to_js(mlp::SpikeRule{});
}

// accuracies: index 0 = epoch 1, NaN for an epoch without a value; rule: { threshold?, after? }
// → [{ epoch, change }].
val detect_spikes(val accuracies, val rule) {
  return guarded([&] {
    mlp::SpikeRule r;
    if (!rule.isUndefined() && !rule.isNull()) {
      if (!is_plain_object(rule))
        throw mlp::ConfigError("the spike rule must be an object, got " + describe(rule));
      check_fields(rule, {"threshold", "after"}, "spike rule");
      if (has(rule, "threshold")) r.threshold = number_of(rule["threshold"], "threshold");
      if (has(rule, "after")) r.after = static_cast<int>(integer_of(rule["after"], "after", 0, 2147483647.0));
    }
    val out = val::array();
    for (const mlp::Spike& s : mlp::detect_spikes(doubles_of(accuracies, "accuracies"), r)) {
      val spike = val::object();
      spike.set("epoch", s.epoch);
      spike.set("change", s.change);
      out.call<void>("push", spike);
    }
    return out;
  });
}

// layers: input, hidden..., output sizes → { parameters, flopsPerSample }.
val training_cost(val layers) {
  return guarded([&] {
    const auto sizes = std::get<std::vector<int>>(field_value(mlp::config_field("sizes"), layers));
    const mlp::TrainingCost c = mlp::training_cost(sizes);
    val out = val::object();
    out.set("parameters", static_cast<double>(c.parameters));
    out.set("flopsPerSample", c.flops_per_sample);
    return out;
  });
}

std::vector<mlp::ParetoPoint> pareto_points_of(const val& points) {
  if (!points.isArray())
    throw ArgumentError("points must be an array of { cost, value }, got " + describe(points));
  const int n = points["length"].as<int>();
  std::vector<mlp::ParetoPoint> out;
  for (int i = 0; i < n; ++i) {
    const val p = points[i];
    const std::string name = "points[" + std::to_string(i) + "]";
    if (!is_plain_object(p))
      throw ArgumentError(name + " must be an object { cost, value }, got " + describe(p));
    out.push_back({number_of<ArgumentError>(p["cost"], name + ".cost"),
                   number_of<ArgumentError>(p["value"], name + ".value")});
  }
  return out;
}

// points: [{ cost, value }] → indices of the non-dominated points, cheapest first.
val pareto_front(val points) {
  return guarded([&] {
    const std::vector<int> front = mlp::pareto_front(pareto_points_of(points));
    val out = val::array();
    for (int i : front) out.call<void>("push", i);
    return out;
  });
}

// → { index, gainPerDoublingNext } of the front of `points`.
val pareto_knee(val points, val min_gain_per_doubling) {
  return guarded([&] {
    const auto p = pareto_points_of(points);
    const mlp::Knee k = mlp::knee(p, mlp::pareto_front(p),
                                  number_of<ArgumentError>(min_gain_per_doubling, "minGainPerDoubling"));
    val out = val::object();
    out.set("index", k.index);
    out.set("gainPerDoublingNext", k.gain_per_doubling_next);
    return out;
  });
}

// A range test's settings as JS sees them: { start, end, batches, smoothing, stopFactor }.
val lr_range_options_to_js(const mlp::LrRangeOptions& o) {
  val out = val::object();
  out.set("start", o.start);
  out.set("end", o.end);
  out.set("batches", o.batches);
  out.set("smoothing", o.smoothing);
  out.set("stopFactor", o.stop_factor);
  return out;
}

val lr_range_defaults() {
  return lr_range_options_to_js(mlp::LrRangeOptions{});
}

// Options checked as lrRangeTest would check them, without a trainer: every setting, the defaults
// filled in; so a queue can refuse a bad range test before its first run rather than when it is reached.
val validate_lr_range(val options) {
  return guarded([&] {
    const mlp::LrRangeOptions o = lr_range_options_of(options);
    o.validate();
    return lr_range_options_to_js(o);
  });
}

// rates (increasing), smoothed losses → { pick, pickIndex, reason }.
val pick_learning_rate(val rates, val smoothed) {
  return guarded([&] {
    const mlp::LrPick p =
        mlp::pick_learning_rate(doubles_of(rates, "rates"), doubles_of(smoothed, "smoothed"));
    val out = val::object();
    out.set("pick", p.pick);
    out.set("pickIndex", p.pick_index);
    out.set("reason", p.reason);
    return out;
  });
}

// Size of wasm linear memory; it only ever grows.
double memory_bytes() {
  return static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0;
}

// Bytes currently allocated by malloc (leak checks).
double allocated_bytes() {
  return static_cast<double>(mallinfo().uordblks);
}

// The most the heap has ever held (dlmalloc's peak footprint, fragmentation
// included): what a memory estimate must stay above.
double peak_heap_bytes() {
  return static_cast<double>(mallinfo().usmblks);
}

}  // namespace

EMSCRIPTEN_BINDINGS(mlp) {
  using emscripten::class_;
  using emscripten::function;

  class_<TrainerHandle>("Trainer")
      .function("trainBatches", &TrainerHandle::train_batches)
      .function("timing", &TrainerHandle::timing)
      .function("evaluate", &TrainerHandle::evaluate)
      .function("evaluateTraining", &TrainerHandle::evaluate_training)
      .function("predict", &TrainerHandle::predict)
      .function("predictSplit", &TrainerHandle::predict_split)
      .function("layerWeights", &TrainerHandle::layer_weights)
      .function("traceDigit", &TrainerHandle::trace_digit)
      .function("inspectHealth", &TrainerHandle::inspect_health)
      .function("traceBackprop", &TrainerHandle::trace_backprop)
      .function("traceBackpropSplit", &TrainerHandle::trace_backprop_split)
      .function("setDynamics", &TrainerHandle::set_dynamics)
      .function("takeDynamics", &TrainerHandle::take_dynamics)
      .function("lrRangeTest", &TrainerHandle::lr_range_test)
      .function("setLearningRate", &TrainerHandle::set_learning_rate)
      .function("setOptimizer", &TrainerHandle::set_optimizer)
      .function("config", &TrainerHandle::config)
      .function("progress", &TrainerHandle::progress)
      .function("save", &TrainerHandle::save)
      .function("exportOnnx", &TrainerHandle::export_onnx);

  class_<Engine>("Engine")
      .constructor<>()
      .function("loadData", &Engine::load_data)
      .function("createTrainer", &Engine::create_trainer)
      .function("loadModel", &Engine::load_model)
      .function("inspectModelFile", &Engine::inspect_model_file)
      .function("loadForeignModel", &Engine::load_foreign_model)
      .function("splitImages", &Engine::split_images)
      .function("dataInfo", &Engine::data_info);

  function("configSchema", &config_schema);
  function("configPresets", &config_presets);
  function("validateConfig", &validate_config);
  function("memoryEstimate", &memory_estimate);
  function("limits", &limits);
  function("constants", &constants);
  function("parameterCount", &parameter_count);
  function("expectedInitialLoss", &expected_initial_loss);
  function("spikeRule", &spike_rule);
  function("detectSpikes", &detect_spikes);
  function("trainingCost", &training_cost);
  function("paretoFront", &pareto_front);
  function("paretoKnee", &pareto_knee);
  function("lrRangeDefaults", &lr_range_defaults);
  function("validateLrRange", &validate_lr_range);
  function("pickLearningRate", &pick_learning_rate);
  function("simd", &simd);
  function("eigenVectorized", &eigen_vectorized);
  function("initThreads", &init_threads);
  function("setThreads", &set_threads);
  function("threadInfo", &thread_info);
  function("memoryBytes", &memory_bytes);
  function("allocatedBytes", &allocated_bytes);
  function("peakHeapBytes", &peak_heap_bytes);
}
