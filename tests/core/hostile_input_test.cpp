// Hostile inputs: files built to crash, exhaust or stall the parsers (deep
// JSON nesting, huge or lying headers, absurd numbers, empty data). Each must
// be refused with a short, specific error, after allocating no more than the
// bytes it holds. The inputs the fuzzers (tests/fuzz) found are at the end.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "core/errors.hpp"
#include "core/idx.hpp"
#include "core/model_file.hpp"
#include "core/safetensors.hpp"
#include "core/trainer.hpp"
#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define MLP_HEAP_PEAK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLP_HEAP_PEAK 1
#endif
#endif
#ifdef MLP_HEAP_PEAK
// From the sanitizer runtime (<sanitizer/allocator_interface.h>, which GCC does not ship).
extern "C" {
std::size_t __sanitizer_get_current_allocated_bytes();
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, std::size_t),
                                              void (*free_hook)(const volatile void*));
}
#endif

using Bytes = std::vector<std::uint8_t>;
using nlohmann::json;

namespace {

constexpr std::size_t kShortMessage = 420;  // "model file: " + at most 400 bytes

// ---- The heap's high-water mark (under AddressSanitizer) -------------------

#ifdef MLP_HEAP_PEAK
std::size_t g_peak = 0;
bool g_tracking = false;
void on_malloc(const volatile void*, std::size_t size) {
  if (!g_tracking) return;
  g_peak = std::max(g_peak, __sanitizer_get_current_allocated_bytes() + size);
}
void on_free(const volatile void*) {}
#endif

// Runs f, which must throw a ModelFileError whose message contains `part`,
// and returns how far the heap grew above where it was meanwhile (0 without
// ASan: the checks on it then pass trivially).
template <typename F>
std::size_t refused_growth(F&& f, const std::string& part) {
  std::string message;
#ifdef MLP_HEAP_PEAK
  static const bool installed = (__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free), true);
  (void)installed;
  const std::size_t before = __sanitizer_get_current_allocated_bytes();
  g_peak = before;
  g_tracking = true;
#endif
  try {
    f();
  } catch (const mlp::ModelFileError& e) {
    message = e.what();
  } catch (...) {
#ifdef MLP_HEAP_PEAK
    g_tracking = false;
#endif
    throw;
  }
  std::size_t grown = 0;
#ifdef MLP_HEAP_PEAK
  g_tracking = false;
  grown = g_peak - before;
#endif
  CAPTURE(message, grown);
  CHECK_THAT(message, Catch::Contains(part));
  CHECK(message.size() < kShortMessage);
  return grown;
}

// ---- Files -----------------------------------------------------------------

Bytes safetensors_file(const std::string& header, const Bytes& data = {}) {
  Bytes out;
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(header.size()) >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

mlp::TrainerState load(const Bytes& b) {
  return mlp::load_model(b.data(), b.size());
}

// A small valid model: 2-3-2, SGD.
Bytes good_model() {
  mlp::TrainConfig c;
  c.architecture.sizes = {2, 3, 2};
  c.batch_size = 2;
  mlp::Trainer t(c, nullptr);
  return mlp::save_model(t.state());
}

mlp::SafeTensors good_parts() {
  const Bytes b = good_model();
  return mlp::decode_safetensors(b.data(), b.size());
}

// The good model with one metadata section's field replaced by raw JSON text.
Bytes with_metadata(const std::string& section, const std::string& key, const std::string& raw) {
  auto f = good_parts();
  json j = json::parse(f.metadata.at(section));
  j[key] = json::parse(raw);
  f.metadata[section] = j.dump();
  return mlp::encode_safetensors(f);
}

// The metadata object of the good model, as header text.
std::string good_metadata_text() {
  return json(good_parts().metadata).dump();
}

std::string message_of(const Bytes& b) {
  try {
    load(b);
  } catch (const mlp::ModelFileError& e) {
    return e.what();
  }
  FAIL("the file was accepted");
  return "";
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("deeply nested JSON in a model file is refused without recursion", "[hostile][model]") {
  const std::size_t depth =
      GENERATE(20, 1000, 10000, 100000);  // 100000: the 200 KB file that overflowed the stack
  CAPTURE(depth);
  const std::string nested = repeat("[", depth) + repeat("]", depth);

  SECTION("in a tensor's shape") {
    const Bytes b = safetensors_file(R"({"__metadata__":)" + good_metadata_text() +
                                     R"(,"layers.0.weight":{"dtype":"F32","shape":)" + nested +
                                     R"(,"data_offsets":[0,0]}})");
    const std::string m = message_of(b);
    CHECK(m.size() < kShortMessage);
    CHECK_THAT(m, Catch::Contains("deeper than") || Catch::Contains("invalid dimension"));
  }
  SECTION("in a metadata value") {
    const Bytes b = safetensors_file(R"({"__metadata__":{"format":)" + nested + "}}");
    const std::string m = message_of(b);
    CHECK(m.size() < kShortMessage);
  }
  SECTION("in the JSON text of a metadata string") {
    for (const char* section : {"architecture", "training", "progress"}) {
      auto f = good_parts();
      f.metadata[section] = nested;
      const std::string m = message_of(mlp::encode_safetensors(f));
      CHECK(m.size() < kShortMessage);
      CHECK_THAT(m, Catch::Contains(section));
    }
  }
}

TEST_CASE("a model file announcing a huge network allocates nothing for it", "[hostile][model]") {
  // 65536·4095 weights (1 GiB of floats) in a file of a few hundred bytes, without any tensor.
  auto f = good_parts();
  f.tensors.clear();
  json arch = json::parse(f.metadata.at("architecture"));
  arch["sizes"] = {65536, 4095};
  f.metadata["architecture"] = arch.dump();
  const Bytes b = mlp::encode_safetensors(f);
  CHECK(b.size() < 1024);
  CHECK(refused_growth([&] { load(b); }, "'layers.0.weight' is missing") < (1u << 20));

  SECTION("nor with a tensor of the wrong shape") {
    f.tensors["layers.0.weight"] = {{1, 1}, {0.5f}};
    f.tensors["layers.0.bias"] = {{1}, {0.5f}};
    const Bytes c = mlp::encode_safetensors(f);
    CHECK(refused_growth([&] { load(c); }, "expected [4095,65536]") < (1u << 20));
  }
}

TEST_CASE("a safetensors header is at most 1 MB and cheap to reject", "[hostile][safetensors]") {
  SECTION("a header length above 1 MB is refused before parsing") {
    const std::string header =
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + repeat("1,", 600000) + "1],\"data_offsets\":[0,4]}}";
    const Bytes b = safetensors_file(header, Bytes(4, 0));
    CHECK(refused_growth([&] { mlp::decode_safetensors(b.data(), b.size()); }, "1 MB limit") < 4096);
  }
  SECTION("a shape of many dimensions is refused with a short message") {
    const std::string header =
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + repeat("1,", 400000) + "1],\"data_offsets\":[0,4]}}";
    const Bytes b = safetensors_file(header, Bytes(4, 0));
    REQUIRE(header.size() < (1u << 20));
    // The parsed header costs tens of times its 800 KB, and nothing more.
    CHECK(refused_growth([&] { mlp::decode_safetensors(b.data(), b.size()); }, "400001 dimensions") <
          (64u << 20));
  }
}

TEST_CASE("error messages quote at most a few characters of the file", "[hostile][safetensors]") {
  const std::string long_text(300000, 'x');
  SECTION("an unterminated string") {
    const Bytes b = safetensors_file("{\"" + long_text);
    const std::string m = message_of(b);
    CHECK_THAT(m, Catch::Contains("not valid JSON"));
    CHECK(m.size() < kShortMessage);
  }
  SECTION("a long tensor name") {
    const Bytes b = safetensors_file("{\"" + long_text + "\":{\"dtype\":\"F32\"}}");
    const std::string m = message_of(b);
    CHECK_THAT(m, Catch::Contains("needs dtype, shape and data_offsets"));
    CHECK(m.size() < kShortMessage);
  }
  SECTION("a long dtype, a long dimension, a long metadata key") {
    for (const std::string& header :
         {"{\"w\":{\"dtype\":\"" + long_text + "\",\"shape\":[],\"data_offsets\":[0,4]}}",
          "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"" + long_text + "\"],\"data_offsets\":[0,4]}}",
          "{\"w\":{\"dtype\":\"F32\",\"shape\":[{\"a\":[" + repeat("1,", 10000) +
              "1]}],\"data_offsets\":[0,4]}}",
          "{\"__metadata__\":{\"" + long_text + "\":[1]}}"}) {
      const std::string m = message_of(safetensors_file(header, Bytes(4, 0)));
      CHECK(m.size() < kShortMessage);
    }
  }
  SECTION("a long unknown tensor") {
    auto f = good_parts();
    f.tensors[long_text] = {{1}, {0.0f}};
    const std::string m = message_of(mlp::encode_safetensors(f));
    CHECK_THAT(m, Catch::Contains("unexpected tensor"));
    CHECK(m.size() < kShortMessage);
  }
  SECTION("a long choice") {
    const std::string m = message_of(with_metadata("architecture", "hidden", "\"" + long_text + "\""));
    CHECK(m.size() < kShortMessage);
  }
}

TEST_CASE("overlapping tensors are refused before their data is copied", "[hostile][safetensors]") {
  // 2000 tensors all on the same 4 KB: copying each first would take 8 MB.
  std::string header = "{";
  for (int i = 0; i < 2000; ++i)
    header += (i ? "," : "") + std::string("\"t") + std::to_string(i) +
              "\":{\"dtype\":\"F32\",\"shape\":[1024],\"data_offsets\":[0,4096]}";
  header += "}";
  const Bytes b = safetensors_file(header, Bytes(4096, 0));
  CHECK(refused_growth([&] { mlp::decode_safetensors(b.data(), b.size()); }, "overlap") < (4u << 20));
}

TEST_CASE("counters and sizes and the seed are whole numbers in range and read without overflow",
          "[hostile][model]") {
  REQUIRE_NOTHROW(load(good_model()));
  SECTION("progress counters") {
    const std::string key = GENERATE("epoch", "batch_in_epoch", "step", "optimizer_steps");
    const std::string bad =
        GENERATE("1e300", "-1e300", "2147483647", "4294967296", "18446744073709551615", "1e19", "\"-1\"",
                 "\" 12abc\"", "\"3\"", "true", "null", "1.5", "2.0", "-1", "[1]", "{}");
    CAPTURE(key, bad);
    if ((key == "step" || key == "optimizer_steps") && (bad == "2147483647" || bad == "4294967296")) {
      REQUIRE_NOTHROW(load(with_metadata("progress", key, bad)));  // long long counters: fine
      return;
    }
    const std::string m = message_of(with_metadata("progress", key, bad));
    CHECK_THAT(m, Catch::Contains(key));
    CHECK(m.size() < kShortMessage);
  }
  SECTION("the largest counters that still leave room to count") {
    auto f = good_parts();
    json p = json::parse(f.metadata.at("progress"));
    p["epoch"] = 2147483646;
    p["step"] = 9007199254740991LL;
    p["optimizer_steps"] = 9007199254740991LL;
    f.metadata["progress"] = p.dump();
    const auto s = load(mlp::encode_safetensors(f));
    CHECK(s.progress.epoch == 2147483646);
    CHECK(s.progress.step == 9007199254740991LL);
    p["step"] = 9007199254740992LL;
    f.metadata["progress"] = p.dump();
    REQUIRE_THROWS_WITH(load(mlp::encode_safetensors(f)), Catch::Contains("'step' must be at most"));
  }
  SECTION("configuration integers") {
    const std::string key = GENERATE("batch_size", "seed", "train_limit");
    const std::string bad =
        GENERATE("1e300", "-1e300", "18446744073709551616", "-1", "1.5", "true", "\"-1\"", "\" 12abc\"",
                 "\"12abc\"", "\"007\"", "\"\"", "\"99999999999999999\"", "[]");
    CAPTURE(key, bad);
    const std::string m = message_of(with_metadata("training", key, bad));
    CHECK(m.size() < kShortMessage);
  }
  SECTION("the seed as the digit string older files wrote") {
    const auto s = load(with_metadata("training", "seed", "\"12345\""));
    CHECK(s.config.seed == 12345u);
  }
  SECTION("layer sizes") {
    const std::string bad =
        GENERATE("[2, 1e300, 2]", "[2, 2147483648, 2]", "[2, -1, 2]", "[2, 3.5, 2]", "[2, \"3\", 2]",
                 "[2, true, 2]", "[2]", "[]", "2", "[2, 0, 2]", "[18446744073709551615, 2]", "[2, 65537, 2]");
    CAPTURE(bad);
    const std::string m = message_of(with_metadata("architecture", "sizes", bad));
    CHECK(m.size() < kShortMessage);
  }
  SECTION("numbers") {
    const std::string key = GENERATE("learning_rate", "momentum", "l2");
    const std::string bad = GENERATE("1e300", "-1e300", "1e-400", "\"0.1\"", "true", "null");
    CAPTURE(key, bad);
    if (bad == "1e-400" && key != "learning_rate") return;  // 0: in range for momentum and l2
    const std::string m = message_of(with_metadata("training", key, bad));
    CHECK(m.size() < kShortMessage);
  }
}

TEST_CASE("strange but well-formed headers are handled", "[hostile][safetensors]") {
  SECTION("a zero-size tensor") {
    const Bytes b = safetensors_file(R"({"empty":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                                     R"("z":{"dtype":"F32","shape":[3,0,7],"data_offsets":[0,0]}})");
    const auto f = mlp::decode_safetensors(b.data(), b.size());
    CHECK(f.tensors.at("empty").data.empty());
    CHECK(f.tensors.at("z").data.empty());
  }
  SECTION("a zero-size layer in a model") {
    auto f = good_parts();
    f.tensors["layers.0.weight"] = {{3, 0}, {}};
    REQUIRE_THROWS_AS(load(mlp::encode_safetensors(f)), mlp::ModelFileError);
  }
  SECTION("duplicate keys") {
    const std::string t = R"("w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
    const Bytes b = safetensors_file("{" + t + "," + t + "}", Bytes(4, 0));
    REQUIRE_NOTHROW(mlp::decode_safetensors(b.data(), b.size()));  // the last one counts, as in Python's json
  }
  SECTION("bytes that are not UTF-8") {
    for (const std::string& header :
         {std::string("{\"w\xff\":1}"), std::string("{\"\xc0\xaf\":1}"),
          std::string("{\"a\":\"\xed\xa0\x80\"}"), std::string("{\"\0\":1}", 8)}) {
      const std::string m = message_of(safetensors_file(header));
      CHECK(m.size() < kShortMessage);
    }
  }
  SECTION("wrong dtypes and offsets") {
    for (const char* entry :
         {R"({"dtype":"F64","shape":[1],"data_offsets":[0,4]})",
          R"({"dtype":1,"shape":[1],"data_offsets":[0,4]})",
          R"({"dtype":"F32","shape":[1],"data_offsets":[4,0]})",
          R"({"dtype":"F32","shape":[1],"data_offsets":[0,4,8]})",
          R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})",
          R"({"dtype":"F32","shape":[1],"data_offsets":[0,1e300]})",
          R"({"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]})",
          R"({"dtype":"F32","shape":[1],"data_offsets":"0-4"})",
          R"({"dtype":"F32","shape":{"0":1},"data_offsets":[0,4]})",
          R"({"dtype":"F32","shape":[4294967296],"data_offsets":[0,4]})", R"([1,2,3])", R"("F32")"}) {
      CAPTURE(entry);
      const std::string m = message_of(safetensors_file("{\"w\":" + std::string(entry) + "}", Bytes(4, 0)));
      CHECK(m.size() < kShortMessage);
    }
  }
}

TEST_CASE("IDX files with no images parse and empty or mismatched splits are refused",
          "[hostile][idx][dataset]") {
  mlp::IdxImages none;
  none.rows = 28;
  none.cols = 28;
  const Bytes empty_images = mlp::encode_idx_images(none);
  const Bytes empty_labels = mlp::encode_idx_labels({});
  const auto parsed = mlp::parse_idx_images(empty_images.data(), empty_images.size(), "x");
  CHECK(parsed.count == 0);
  CHECK(parsed.pixels.cols() == 0);
  const mlp::Dataset nothing = mlp::Dataset::from_idx(empty_images, empty_labels, "test");
  CHECK(nothing.size() == 0);

  mlp::Dataset train = mlp_test::make_noise(20, 784);
  train.rows = train.cols = 28;
  REQUIRE_THROWS_WITH(mlp::make_splits(train, nothing, 4), Catch::Contains("test set has no images"));
  REQUIRE_THROWS_WITH(mlp::make_splits(nothing, train, 0), Catch::Contains("training set has no images"));

  // 784 pixels either way, but 28×28 is not 16×49.
  mlp::Dataset odd = mlp_test::make_noise(5, 784);
  odd.rows = 16;
  odd.cols = 49;
  REQUIRE_THROWS_AS(mlp::make_splits(train, odd, 4), mlp::IdxError);
  REQUIRE_THROWS_WITH(mlp::make_splits(train, odd, 4), Catch::Contains("16x49") && Catch::Contains("28x28"));
}

TEST_CASE("read_file refuses what is not a regular file", "[hostile][idx]") {
  REQUIRE_THROWS_WITH(mlp::read_file("/dev/zero"), Catch::Contains("not a regular file"));  // would never end
  REQUIRE_THROWS_WITH(mlp::read_file("/"), Catch::Contains("not a regular file"));  // would read as empty
  REQUIRE_THROWS_WITH(mlp::read_file("/nonexistent/model.safetensors"), Catch::Contains("cannot open"));
}

// Every input a fuzzer (tests/fuzz) found a problem with, kept in
// tests/fuzz/regressions/: a model file (*.safetensors) must load or be
// refused with a short ModelFileError; an IDX file (idx-*) must parse or be
// refused with an IdxError.
TEST_CASE("the fuzzers' findings are refused or loaded without a crash", "[hostile][fuzz]") {
  const std::filesystem::path dir =
      std::filesystem::path(__FILE__).parent_path() / ".." / "fuzz" / "regressions";
  REQUIRE(std::filesystem::is_directory(dir));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name[0] == '.' || name == "README.md") continue;
    CAPTURE(name);
    ++files;
    const Bytes b = mlp::read_file(entry.path().string());
    if (name.rfind("idx-", 0) == 0) {
      try {
        mlp::parse_idx_images(b.data(), b.size(), "images");
      } catch (const mlp::IdxError&) {
      }
      try {
        mlp::parse_idx_labels(b.data(), b.size(), "labels");
      } catch (const mlp::IdxError&) {
      }
      continue;
    }
    try {
      const mlp::TrainerState s = load(b);
      mlp::Trainer t(s, nullptr);
      const Bytes again = mlp::save_model(t.state());
      CHECK_NOTHROW(load(again));
    } catch (const mlp::ModelFileError& e) {
      CHECK(std::strlen(e.what()) < kShortMessage);
    } catch (const mlp::Error&) {  // the Trainer's own checks (e.g. another optimizer's state)
    }
  }
  CHECK(files > 0);
}
