#pragma once
// A structure-aware generator of model files for fuzzing. Its input bytes are
// decisions (FuzzedDataProvider), not file bytes: which network, which value
// for each metadata field, how each tensor entry is written, which hostile
// construct goes where. Byte mutation of a JSON header rarely produces a
// consistent file that is wrong in one deep place; this does: every choice
// defaults to the valid one (an empty input is a valid 2-layer model), and
// each further byte can turn one part hostile:
//   - deep nesting, long arrays, huge and negative numbers, floats for
//     integers, strings for numbers, booleans, null;
//   - duplicate keys, unknown keys, keys or values that are not UTF-8;
//   - wrong dtypes, shapes off by one, extra or zero dimensions, offsets that
//     overlap, leave holes or run past the data, a header length that lies.
// The JSON text is written by hand so that all of these can be expressed.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace mlp_fuzz {

class ModelFileGenerator {
 public:
  explicit ModelFileGenerator(FuzzedDataProvider& in) : in_(in) {}

  std::vector<std::uint8_t> generate() {
    choose_architecture();
    std::string header = "{";
    std::vector<std::string> entries;
    entries.push_back(quoted("__metadata__") + ":" + metadata());
    std::uint64_t offset = 0;
    std::string data;
    for (std::size_t k = 0; k + 1 < sizes_.size(); ++k) {
      const long long out = sizes_[k + 1], in = sizes_[k];
      entries.push_back(tensor("layers." + std::to_string(k) + ".weight", {out, in}, offset, data));
      entries.push_back(tensor("layers." + std::to_string(k) + ".bias", {out}, offset, data));
    }
    for (const char* name : optimizer_tensors())
      entries.push_back(tensor(std::string("optimizer.") + name, {parameters_}, offset, data));
    while (in_.ConsumeBool() && entries.size() < 64) {  // extras: duplicates and strangers
      switch (in_.ConsumeIntegralInRange(0, 3)) {
        case 0:
          entries.push_back(entries[in_.ConsumeIntegralInRange<std::size_t>(0, entries.size() - 1)]);
          break;
        case 1:
          entries.push_back(tensor("layers." + std::to_string(in_.ConsumeIntegralInRange(0, 40)) + ".weight",
                                   {1, 1}, offset, data));
          break;
        case 2:
          entries.push_back(tensor(in_.ConsumeRandomLengthString(40), {1}, offset, data));
          break;
        default:
          entries.push_back(quoted(in_.ConsumeRandomLengthString(16)) + ":" + value());
          break;
      }
    }
    if (in_.ConsumeBool()) {  // another order
      for (std::size_t i = entries.size(); i > 1; --i)
        std::swap(entries[i - 1], entries[in_.ConsumeIntegralInRange<std::size_t>(0, i - 1)]);
    }
    for (std::size_t i = 0; i < entries.size(); ++i) header += (i ? "," : "") + entries[i];
    header += "}";
    if (in_.ConsumeBool()) header = mangle(header);
    std::uint64_t length = header.size();
    if (in_.ConsumeBool()) length = lie(length);
    std::vector<std::uint8_t> out;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    if (in_.ConsumeBool()) {  // cut or extend the data
      const auto n = in_.ConsumeIntegralInRange<std::size_t>(0, 64);
      if (in_.ConsumeBool())
        out.resize(out.size() > n ? out.size() - n : 0);
      else
        out.insert(out.end(), n, 0);
    }
    return out;
  }

 private:
  FuzzedDataProvider& in_;
  std::vector<long long> sizes_;
  long long parameters_ = 0;
  std::string optimizer_ = "sgd";

  // ---- JSON pieces ----

  static std::string quoted(const std::string& s) {  // a JSON string (invalid UTF-8 passes through as it is)
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\')
        out += '\\', out += static_cast<char>(c);
      else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else
        out += static_cast<char>(c);
    }
    return out + "\"";
  }

  static std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
  }

  // A number that breaks something, as JSON text.
  std::string hostile_number() {
    static const char* const kNumbers[] = {
        "1e300",
        "-1e300",
        "1e-400",
        "-0",
        "0.5",
        "2.0",
        "-1",
        "2147483647",
        "2147483648",
        "-2147483649",
        "4294967295",
        "4294967296",
        "9007199254740991",
        "9007199254740992",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "1e19",
        "123456789012345678901234567890",
        "65536",
        "65537",
        "268435456",
        "1073741824",
        "0",
        "1",
        "3",
        "1E2",
        "-0.0",
        "1.7976931348623157e308",
    };
    return kNumbers[in_.ConsumeIntegralInRange<std::size_t>(0, sizeof kNumbers / sizeof kNumbers[0] - 1)];
  }

  // A size for a hostile construct: mostly small (cheap to parse, so the
  // fuzzer stays fast), one time in 16 up to `large`.
  std::size_t amount(std::size_t large) {
    return in_.ConsumeIntegralInRange(0, 15) == 15 ? in_.ConsumeIntegralInRange<std::size_t>(0, large)
                                                   : in_.ConsumeIntegralInRange<std::size_t>(0, 64);
  }

  // Any JSON value, usually hostile.
  std::string value(int depth = 0) {
    switch (in_.ConsumeIntegralInRange(0, 11)) {
      case 0:
        return hostile_number();
      case 1:
        return in_.ConsumeBool() ? "true" : "false";
      case 2:
        return "null";
      case 3:
        return quoted(in_.ConsumeRandomLengthString(32));
      case 4: {  // deep nesting
        const auto n = 1 + amount(20000);
        return in_.ConsumeBool() ? repeat("[", n) + repeat("]", n)
                                 : repeat("{\"a\":", n) + "1" + repeat("}", n);
      }
      case 5: {  // a long array
        const auto n = amount(20000);
        return "[" + (n ? repeat(hostile_number() + ",", n - 1) + "1" : std::string()) + "]";
      }
      case 6:
        return quoted(std::string(amount(100000), 'x'));
      case 7:
        return quoted(
            std::string("\xff\xfe\xc0\xaf\xed\xa0\x80", in_.ConsumeIntegralInRange<std::size_t>(1, 7)));
      case 8:
        return "\"\xe9t\xe9\"";  // Latin-1, not UTF-8
      case 9:
        if (depth < 4) return "[" + value(depth + 1) + "," + value(depth + 1) + "]";
        return "[]";
      case 10:
        if (depth < 4) return "{" + quoted(in_.ConsumeRandomLengthString(8)) + ":" + value(depth + 1) + "}";
        return "{}";
      default:
        return quoted("\\u0000\\ud800");
    }
  }

  // The valid text `good`, or now and then something else.
  std::string either(const std::string& good) {
    return in_.ConsumeIntegralInRange(0, 15) == 15 ? value() : good;
  }

  // ---- The model ----

  void choose_architecture() {
    const int layers = in_.ConsumeIntegralInRange(1, 3);
    sizes_.clear();
    for (int k = 0; k <= layers; ++k)
      sizes_.push_back(k == 0 ? 2 : in_.ConsumeIntegralInRange(1, 4) + (k == layers ? 1 : 0));
    if (in_.ConsumeIntegralInRange(0, 7) == 7)
      sizes_[in_.ConsumeIntegralInRange<std::size_t>(0, sizes_.size() - 1)] =
          in_.ConsumeBool() ? 65536 : in_.ConsumeIntegralInRange(0, 70000);
    parameters_ = 0;
    for (std::size_t k = 0; k + 1 < sizes_.size(); ++k) parameters_ += sizes_[k + 1] * (sizes_[k] + 1);
    static const char* const kOptimizers[] = {"sgd", "momentum", "nesterov", "adam"};
    optimizer_ = kOptimizers[in_.ConsumeIntegralInRange(0, 3)];
  }

  std::vector<const char*> optimizer_tensors() {
    std::vector<const char*> names;
    if (optimizer_ == "adam")
      names = {"m", "v"};
    else if (optimizer_ != "sgd")
      names = {"velocity"};
    if (in_.ConsumeIntegralInRange(0, 7) == 7) names.push_back(in_.ConsumeBool() ? "m" : "velocity");
    return names;
  }

  std::string sizes_text() {
    std::string out = "[";
    for (std::size_t k = 0; k < sizes_.size(); ++k) out += (k ? "," : "") + std::to_string(sizes_[k]);
    return out + "]";
  }

  // One metadata section as an object of `fields`, written as a JSON string.
  std::string section(std::vector<std::pair<std::string, std::string>> fields) {
    if (in_.ConsumeIntegralInRange(0, 15) == 15 && !fields.empty())  // drop one
      fields.erase(fields.begin() + in_.ConsumeIntegralInRange<std::size_t>(0, fields.size() - 1));
    if (in_.ConsumeIntegralInRange(0, 15) == 15 && !fields.empty())  // duplicate one
      fields.push_back(
          {fields[in_.ConsumeIntegralInRange<std::size_t>(0, fields.size() - 1)].first, value()});
    std::string text = "{";
    for (std::size_t i = 0; i < fields.size(); ++i)
      text += (i ? "," : "") + quoted(fields[i].first) + ":" + either(fields[i].second);
    text += "}";
    if (in_.ConsumeIntegralInRange(0, 31) == 31) return value();  // not even a string
    if (in_.ConsumeIntegralInRange(0, 31) == 31) text = value();  // a string, but not of an object
    return quoted(text);
  }

  std::string rng_state() {
    switch (in_.ConsumeIntegralInRange(0, 7)) {
      case 1:
        return quoted(std::string(64, '0'));
      case 2:
        return quoted(std::string(63, 'a'));
      case 3:
        return quoted(std::string(64, 'G'));
      case 4:
        return quoted(std::string(63, 'a') + "\xc3\xa9");
      default:
        return "\"\"";
    }
  }

  std::string metadata() {
    static const char* const kHidden[] = {"\"sigmoid\"", "\"tanh\"", "\"relu\""};
    static const char* const kOutput[] = {"\"sigmoid-bce\"", "\"softmax-ce\""};
    const std::string architecture = section({{"sizes", sizes_text()},
                                              {"hidden", kHidden[in_.ConsumeIntegralInRange(0, 2)]},
                                              {"output", kOutput[in_.ConsumeIntegralInRange(0, 1)]}});
    std::vector<std::pair<std::string, std::string>> training = {
        {"optimizer", quoted(optimizer_)},
        {"learning_rate", "0.001"},
        {"momentum", "0.9"},
        {"beta1", "0.9"},
        {"beta2", "0.999"},
        {"epsilon", "1e-08"},
        {"batch_size", std::to_string(in_.ConsumeIntegralInRange(1, 8))},
        {"l2", "0"},
        {"seed", in_.ConsumeBool() ? "\"12\"" : "1"}};
    if (in_.ConsumeBool())
      training.push_back({"sum_gradients", in_.ConsumeBool() ? "true" : "false"});
    else
      training.push_back({"gradient", "\"mean\""});
    if (in_.ConsumeBool()) {
      training.push_back({"train_limit", "0"});
      training.push_back({"init", in_.ConsumeBool() ? "\"uniform\"" : "\"gaussian\""});
      training.push_back({"batching", in_.ConsumeBool() ? "\"shuffled\"" : "\"slices\""});
    }
    const std::string training_text = section(training);
    const std::string progress =
        section({{"epoch", std::to_string(in_.ConsumeIntegralInRange(0, 3))},
                 {"batch_in_epoch", std::to_string(in_.ConsumeIntegralInRange(0, 3))},
                 {"step", std::to_string(in_.ConsumeIntegralInRange(0, 30))},
                 {"optimizer_steps", std::to_string(in_.ConsumeIntegralInRange(0, 30))},
                 {"epoch_rng_state", rng_state()},
                 {"rng_state", rng_state()}});
    std::vector<std::string> items = {"\"format\":" + either("\"mnist-mlp/1\""),
                                      "\"architecture\":" + architecture, "\"training\":" + training_text,
                                      "\"progress\":" + progress};
    if (in_.ConsumeIntegralInRange(0, 15) == 15)
      items.push_back(quoted(in_.ConsumeRandomLengthString(16)) + ":" + value());
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
    return in_.ConsumeIntegralInRange(0, 63) == 63 ? value() : out + "}";
  }

  // One tensor entry; appends its data (or not) and advances `offset`.
  std::string tensor(const std::string& name, std::vector<long long> shape, std::uint64_t& offset,
                     std::string& data) {
    long long count = 1;
    for (auto d : shape) count *= d;
    if (count < 0 || count > (1 << 12))
      count = 0;  // an absurd architecture: its data stays small (the header still says otherwise)
    std::uint64_t begin = offset, end = offset + static_cast<std::uint64_t>(count) * 4;
    append_values(static_cast<std::size_t>(count), data);
    offset = end;
    std::string dtype = "\"F32\"";
    switch (in_.ConsumeIntegralInRange(0, 31)) {  // one hostile part, now and then
      case 1:
        dtype = in_.ConsumeBool() ? "\"F16\"" : "\"I64\"";
        break;
      case 2:
        shape.push_back(1);
        break;
      case 3:
        if (!shape.empty()) shape.back() += in_.ConsumeBool() ? 1 : -1;
        break;
      case 4:
        if (!shape.empty()) std::swap(shape.front(), shape.back());
        break;
      case 5:
        shape.push_back(0);
        break;
      case 6:
        shape.assign(amount(100), 1);
        break;
      case 7:
        begin = begin >= 4 ? begin - 4 : 0;
        break;  // overlap
      case 8:
        end += 4;
        break;  // past the end or overlap
      case 9:
        std::swap(begin, end);
        break;
      case 10:
        begin = end = 0;
        break;
      case 11:
        end = ~0ull;
        break;
      case 12:
        begin += 1ull << 40;
        break;
      default:
        break;
    }
    std::string shape_text = "[";
    for (std::size_t k = 0; k < shape.size(); ++k) shape_text += (k ? "," : "") + std::to_string(shape[k]);
    shape_text += "]";
    std::vector<std::string> fields = {
        "\"dtype\":" + either(dtype), "\"shape\":" + either(shape_text),
        "\"data_offsets\":" + either("[" + std::to_string(begin) + "," + std::to_string(end) + "]")};
    if (in_.ConsumeIntegralInRange(0, 31) == 31)
      fields.erase(fields.begin() + in_.ConsumeIntegralInRange(0, 2));
    if (in_.ConsumeIntegralInRange(0, 31) == 31) fields.push_back(fields[0]);
    std::string out = quoted(name) + ":{";
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
    return out + "}";
  }

  // `count` floats: one value repeated, then a few chosen ones (NaN and
  // infinity among them). Filled by doubling rather than one decision per
  // value: a per-value loop of up to 65,536 instrumented steps made this
  // target 30 times slower than the byte-mutation one.
  void append_values(std::size_t count, std::string& data) {
    if (count == 0) return;
    const std::size_t begin = data.size(), bytes = 4 * count;
    const float base = static_cast<float>(in_.ConsumeIntegralInRange(-8, 8)) / 8;
    std::string block(reinterpret_cast<const char*>(&base), 4);
    while (block.size() < bytes) block.append(block, 0, std::min(block.size(), bytes - block.size()));
    data += block;
    for (int n = in_.ConsumeIntegralInRange(0, 3); n > 0; --n) {
      float x = static_cast<float>(in_.ConsumeIntegralInRange(-8, 8)) / 8;
      if (in_.ConsumeIntegralInRange(0, 15) == 15) x = in_.ConsumeBool() ? NAN : INFINITY;
      std::memcpy(&data[begin + 4 * in_.ConsumeIntegralInRange<std::size_t>(0, count - 1)], &x, 4);
    }
  }

  // Byte damage to a finished header: cut, flip, insert.
  std::string mangle(std::string header) {
    const int n = in_.ConsumeIntegralInRange(1, 4);
    for (int i = 0; i < n && !header.empty(); ++i) {
      const auto at = in_.ConsumeIntegralInRange<std::size_t>(0, header.size() - 1);
      switch (in_.ConsumeIntegralInRange(0, 3)) {
        case 0:
          header.resize(at);
          break;
        case 1:
          header[at] = static_cast<char>(in_.ConsumeIntegral<std::uint8_t>());
          break;
        case 2:
          header.insert(at, value());
          break;
        default:
          header.insert(at, " \t\r\n");
          break;
      }
    }
    return header;
  }

  std::uint64_t lie(std::uint64_t length) {
    switch (in_.ConsumeIntegralInRange(0, 4)) {
      case 0:
        return length + in_.ConsumeIntegralInRange(1, 16);
      case 1:
        return length > 16 ? length - in_.ConsumeIntegralInRange(1, 16) : 0;
      case 2:
        return 1ull << 20;
      case 3:
        return (1ull << 20) + 1;
      default:
        return ~0ull;
    }
  }
};

}  // namespace mlp_fuzz
