// The safetensors container: round trips, the byte layout a reference
// reader expects, and corrupted files rejected with clear messages.
#include "core/safetensors.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/errors.hpp"

using Bytes = std::vector<std::uint8_t>;
using nlohmann::json;

namespace {

mlp::SafeTensors sample() {
  mlp::SafeTensors f;
  f.metadata["format"] = "test";
  f.metadata["note"] = "ünïcödé and \"quotes\"";
  f.tensors["a.weight"] = {{2, 3}, {1.0f, -2.5f, 3.25f, 0.0f, -0.0f, 1e-30f}};
  f.tensors["a.bias"] = {{2}, {0.5f, -0.5f}};
  f.tensors["cube"] = {{1, 2, 2}, {1, 2, 3, 4}};
  return f;
}

std::uint64_t read_le64(const Bytes& b) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[static_cast<std::size_t>(i)];
  return n;
}

// A file assembled by hand: 8-byte little-endian header length, header, data.
Bytes make_file(const std::string& header, std::size_t data_bytes, std::uint64_t claimed_length = ~0ULL) {
  const std::uint64_t n = claimed_length == ~0ULL ? header.size() : claimed_length;
  Bytes out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

mlp::SafeTensors decode(const Bytes& b) {
  return mlp::decode_safetensors(b.data(), b.size());
}

}  // namespace

TEST_CASE("safetensors encode then decode gives back the same tensors and metadata", "[safetensors]") {
  const auto original = sample();
  const Bytes file = mlp::encode_safetensors(original);
  const auto back = decode(file);
  CHECK(back.metadata == original.metadata);
  REQUIRE(back.tensors.size() == original.tensors.size());
  for (const auto& [name, t] : original.tensors) {
    CAPTURE(name);
    REQUIRE(back.tensors.count(name) == 1);
    CHECK(back.tensors.at(name).shape == t.shape);
    REQUIRE(back.tensors.at(name).data.size() == t.data.size());
    // Bitwise, so -0.0 and denormal-adjacent values survive too.
    CHECK(std::memcmp(back.tensors.at(name).data.data(), t.data.data(), t.data.size() * 4) == 0);
  }
}

TEST_CASE("an encoded file is what a reference safetensors reader expects", "[safetensors]") {
  const auto original = sample();
  const Bytes file = mlp::encode_safetensors(original);
  REQUIRE(file.size() >= 8);
  const std::uint64_t n = read_le64(file);
  REQUIRE(8 + n <= file.size());
  const json header = json::parse(file.begin() + 8, file.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  REQUIRE(header.is_object());
  CHECK((8 + n) % 8 == 0);  // data 8-byte aligned (the reference writer pads the header with spaces)

  REQUIRE(header.contains("__metadata__"));
  CHECK(header["__metadata__"]["format"] == "test");
  CHECK(header["__metadata__"]["note"] == original.metadata.at("note"));

  const std::size_t data_start = 8 + n;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, t] : original.tensors) {
    CAPTURE(name);
    REQUIRE(header.contains(name));
    const auto& e = header[name];
    CHECK(e["dtype"] == "F32");
    CHECK(e["shape"].get<std::vector<std::int64_t>>() == t.shape);
    const auto begin = e["data_offsets"][0].get<std::uint64_t>(),
               end = e["data_offsets"][1].get<std::uint64_t>();
    REQUIRE(end - begin == t.data.size() * 4);
    ranges.emplace_back(begin, end);
    // Little-endian IEEE floats, row-major.
    for (std::size_t i = 0; i < t.data.size(); ++i) {
      std::uint32_t bits = 0;
      for (int k = 3; k >= 0; --k)
        bits = (bits << 8) | file[data_start + begin + 4 * i + static_cast<std::size_t>(k)];
      float v;
      std::memcpy(&v, &bits, 4);
      CHECK(std::memcmp(&v, &t.data[i], 4) == 0);
    }
  }
  // The tensors tile the data section exactly.
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t at = 0;
  for (const auto& [begin, end] : ranges) {
    CHECK(begin == at);
    at = end;
  }
  CHECK(data_start + at == file.size());
}

TEST_CASE("a file written by another safetensors writer is read", "[safetensors]") {
  // Header without metadata, tensors listed in data order, no padding.
  const std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("y":{"dtype":"F32","shape":[],"data_offsets":[8,12]}})";
  Bytes file = make_file(header, 12);
  const float values[3] = {1.5f, -2.0f, 42.0f};
  std::memcpy(file.data() + 8 + header.size(), values, 12);
  const auto f = decode(file);
  CHECK(f.metadata.empty());
  CHECK(f.tensors.at("x").data == std::vector<float>{1.5f, -2.0f});
  CHECK(f.tensors.at("y").shape.empty());  // a scalar
  CHECK(f.tensors.at("y").data == std::vector<float>{42.0f});
}

TEST_CASE("encode refuses a tensor whose values do not fill its shape", "[safetensors]") {
  // Such a file would describe bytes it does not hold.
  mlp::SafeTensors f;
  f.tensors["w"] = {{2, 2}, {1.0f, 2.0f, 3.0f}};
  REQUIRE_THROWS_AS(mlp::encode_safetensors(f), mlp::Error);
  REQUIRE_THROWS_WITH(mlp::encode_safetensors(f), "tensor 'w' has 3 values but its shape holds 4");
  f.tensors["w"].data.push_back(4.0f);
  CHECK_NOTHROW(mlp::encode_safetensors(f));
}

TEST_CASE("corrupted safetensors files are rejected with a clear message", "[safetensors][malformed]") {
  const auto tensor = [](const std::string& name, const std::string& dtype, const std::string& shape,
                         std::uint64_t begin, std::uint64_t end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
           std::to_string(begin) + "," + std::to_string(end) + "]}";
  };
  const std::string ok = "{" + tensor("w", "F32", "[2,2]", 0, 16) + "}";
  REQUIRE_NOTHROW(decode(make_file(ok, 16)));

  SECTION("shorter than the length field") {
    REQUIRE_THROWS_AS(decode(Bytes{1, 0, 0}), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(decode(Bytes{1, 0, 0}), Catch::Contains("too short"));
  }
  SECTION("header length larger than the file") {
    const Bytes f = make_file(ok, 16, ok.size() + 100);
    REQUIRE_THROWS_AS(decode(f), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(decode(f), Catch::Contains("header length") && Catch::Contains("past the end"));
  }
  SECTION("absurd header length") {
    const Bytes f = make_file(ok, 16, 0xFFFFFFFFFFFFFFF0ULL);
    REQUIRE_THROWS_WITH(decode(f), Catch::Contains("header length"));
    const Bytes g = make_file(ok, 16, 1ULL << 40);
    REQUIRE_THROWS_WITH(decode(g), Catch::Contains("header length"));
  }
  SECTION("invalid JSON") {
    REQUIRE_THROWS_WITH(decode(make_file("{\"w\": {\"dtype\": ", 16)), Catch::Contains("not valid JSON"));
    REQUIRE_THROWS_WITH(decode(make_file("[1, 2]", 0)), Catch::Contains("not a JSON object"));
  }
  SECTION("dtypes that are not floating-point, or not dtypes") {
    for (const char* dtype : {"I32", "U32", "I8", "BOOL", "C64", "F8_E5M2"}) {
      CAPTURE(dtype);
      const int bytes = dtype[0] == 'C' ? 64 : dtype[1] == '3' ? 32 : 8;  // [2,2] of it
      const std::string h = "{" + tensor("w", dtype, "[2,2]", 0, static_cast<std::uint64_t>(bytes / 2)) + "}";
      const Bytes f = make_file(h, static_cast<std::size_t>(bytes / 2));
      REQUIRE_NOTHROW(mlp::parse_safetensors(f.data(), f.size()));  // the container is fine
      REQUIRE_THROWS_AS(decode(f), mlp::ModelFileError);
      REQUIRE_THROWS_WITH(decode(f), "model file: tensor 'w' has dtype " + std::string(dtype) +
                                         "; only F32, F64, F16 and BF16 can be read as numbers");
    }
    const std::string h = "{" + tensor("w", "F17", "[2,2]", 0, 16) + "}";
    REQUIRE_THROWS_WITH(decode(make_file(h, 16)), "model file: tensor 'w' has an unknown dtype 'F17'");
  }
  SECTION("shape and offsets disagree on the size") {
    const std::string h = "{" + tensor("w", "F32", "[2,2]", 0, 12) + "}";
    REQUIRE_THROWS_WITH(decode(make_file(h, 12)), Catch::Contains("'w'") && Catch::Contains("[2,2]") &&
                                                      Catch::Contains("12 data bytes"));
  }
  SECTION("offsets beyond the data") {
    const std::string h = "{" + tensor("w", "F32", "[2,2]", 0, 16) + "}";
    REQUIRE_THROWS_WITH(decode(make_file(h, 8)), Catch::Contains("outside the 8 data bytes"));
    const std::string huge = "{" + tensor("w", "F32", "[2,2]", 18446744073709551600ULL, 16) + "}";
    REQUIRE_THROWS_AS(decode(make_file(huge, 16)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(
        decode(make_file(huge, 16)),
        "model file: tensor 'w' has data_offsets [18446744073709551600, 16] that end before they "
        "begin");
  }
  SECTION("overlapping tensors") {
    const std::string h =
        "{" + tensor("a", "F32", "[4]", 0, 16) + "," + tensor("b", "F32", "[4]", 8, 24) + "}";
    REQUIRE_THROWS_WITH(decode(make_file(h, 24)), Catch::Contains("overlap"));
  }
  SECTION("the same range used twice") {
    const std::string h =
        "{" + tensor("a", "F32", "[4]", 0, 16) + "," + tensor("b", "F32", "[4]", 0, 16) + "}";
    REQUIRE_THROWS_WITH(decode(make_file(h, 16)), Catch::Contains("overlap"));
  }
  SECTION("a hole between tensors") {
    const std::string h =
        "{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 12, 20) + "}";
    REQUIRE_THROWS_WITH(decode(make_file(h, 20)), Catch::Contains("hole"));
  }
  SECTION("bytes after the last tensor") {
    REQUIRE_THROWS_WITH(decode(make_file(ok, 20)), Catch::Contains("4 data bytes after the last tensor"));
  }
  SECTION("entries missing fields or of the wrong type") {
    REQUIRE_THROWS_WITH(decode(make_file(R"({"w":{"dtype":"F32","shape":[4]}})", 16)),
                        Catch::Contains("dtype, shape and data_offsets"));
    REQUIRE_THROWS_WITH(decode(make_file(R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", 16)),
                        Catch::Contains("invalid dimension"));
    // A non-string dtype must not escape as a JSON library exception, nor a
    // scalar shape pass for a one-element list.
    REQUIRE_THROWS_AS(decode(make_file(R"({"w":{"dtype":32,"shape":[4],"data_offsets":[0,16]}})", 16)),
                      mlp::ModelFileError);
    REQUIRE_THROWS_WITH(decode(make_file(R"({"w":{"dtype":32,"shape":[4],"data_offsets":[0,16]}})", 16)),
                        "model file: tensor 'w' has a non-string dtype");
    REQUIRE_THROWS_WITH(decode(make_file(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", 16)),
                        "model file: tensor 'w' has a shape that is not an array");
    REQUIRE_THROWS_WITH(decode(make_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0]}})", 16)),
                        Catch::Contains("data_offsets"));
    REQUIRE_THROWS_WITH(decode(make_file(R"({"__metadata__":{"k":1}})", 0)), Catch::Contains("not a string"));
    REQUIRE_THROWS_WITH(decode(make_file(R"({"__metadata__":"k"})", 0)),
                        "model file: __metadata__ is not an object");
    REQUIRE_THROWS_WITH(decode(make_file(R"({"__metadata__":["k"]})", 0)),
                        "model file: __metadata__ is not an object");
  }
  SECTION("a shape whose element count overflows") {
    // 2^90 elements: must be rejected, not overflow 64-bit arithmetic.
    const std::string h = "{" + tensor("w", "F32", "[1073741824,1073741824,1073741824]", 0, 16) + "}";
    REQUIRE_THROWS_AS(decode(make_file(h, 16)), mlp::ModelFileError);
    REQUIRE_THROWS_WITH(decode(make_file(h, 16)), Catch::Contains("elements"));
  }
}

TEST_CASE("F16, BF16 and F64 tensors are read as float32", "[safetensors]") {
  // Little-endian bit patterns and the floats they are.
  const auto file_of = [](const char* dtype, const std::vector<std::uint8_t>& bytes, std::size_t count) {
    const std::string h = std::string(R"({"t":{"dtype":")") + dtype + R"(","shape":[)" +
                          std::to_string(count) + R"(],"data_offsets":[0,)" + std::to_string(bytes.size()) +
                          "]}}";
    Bytes f = make_file(h, 0);
    f.insert(f.end(), bytes.begin(), bytes.end());
    return f;
  };
  const auto bits = [](float f) {
    std::uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
  };
  SECTION("F16: normal, subnormal, the largest, zeros, infinities, NaN") {
    const std::vector<std::uint16_t> halves{0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0400, 0x0001,
                                            0x03FF, 0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00};
    const std::vector<float> expected{1.0f,
                                      -2.0f,
                                      0.333251953125f,
                                      65504.0f,
                                      6.103515625e-05f /* 2^-14 */,
                                      5.9604644775390625e-08f /* 2^-24 */,
                                      6.097555160522461e-05f /* 1023·2^-24 */,
                                      0.0f,
                                      -0.0f,
                                      std::numeric_limits<float>::infinity(),
                                      -std::numeric_limits<float>::infinity(),
                                      std::numeric_limits<float>::quiet_NaN()};
    std::vector<std::uint8_t> bytes;
    for (auto h : halves) {
      bytes.push_back(static_cast<std::uint8_t>(h));
      bytes.push_back(static_cast<std::uint8_t>(h >> 8));
    }
    const auto f = decode(file_of("F16", bytes, halves.size()));
    const auto& t = f.tensors.at("t");
    CHECK(t.stored == mlp::DType::F16);
    REQUIRE(t.data.size() == expected.size());
    for (std::size_t i = 0; i + 1 < expected.size(); ++i) {
      CAPTURE(i);
      CHECK(bits(t.data[i]) == bits(expected[i]));  // exact, the sign of zero included
    }
    CHECK(std::isnan(t.data.back()));
  }
  SECTION("BF16: a float32's upper half") {
    const std::vector<std::uint8_t> bytes{0x80, 0x3F, 0x49, 0x40, 0x80, 0xFF};  // 1, 3.140625, -inf
    const auto f = decode(file_of("BF16", bytes, 3));
    CHECK(f.tensors.at("t").data ==
          std::vector<float>{1.0f, 3.140625f, -std::numeric_limits<float>::infinity()});
  }
  SECTION("F64: rounded to float32, beyond its range to infinity") {
    const std::vector<double> values{0.1, -1e300, 1e300, 1e-50};
    std::vector<std::uint8_t> bytes(values.size() * 8);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    const auto f = decode(file_of("F64", bytes, values.size()));
    CHECK(f.tensors.at("t").data == std::vector<float>{0.1f, -std::numeric_limits<float>::infinity(),
                                                       std::numeric_limits<float>::infinity(), 0.0f});
  }
}

TEST_CASE("parse_safetensors gives every tensor's bytes in place, whatever its dtype", "[safetensors]") {
  const std::string h = R"({"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},)"
                        R"("b":{"dtype":"F4","shape":[2,3],"data_offsets":[3,6]},)"
                        R"("c":{"dtype":"I64","shape":[],"data_offsets":[6,14]}})";
  Bytes file = make_file(h, 14);
  for (std::size_t i = 0; i < 14; ++i) file[8 + h.size() + i] = static_cast<std::uint8_t>(i);
  const mlp::SafeTensorsView v = mlp::parse_safetensors(file.data(), file.size());
  REQUIRE(v.tensors.size() == 3);
  CHECK(v.tensors.at("a").dtype == mlp::DType::U8);
  CHECK(v.tensors.at("a").data == file.data() + 8 + h.size());
  CHECK(v.tensors.at("a").size == 3);
  CHECK(v.tensors.at("b").dtype == mlp::DType::F4);  // 6 four-bit elements: 3 bytes
  CHECK(v.tensors.at("b").shape == std::vector<std::int64_t>{2, 3});
  CHECK(v.tensors.at("c").data[0] == 6);
  CHECK(v.tensors.at("c").size == 8);

  const std::string odd = R"({"b":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})";
  const Bytes g = make_file(odd, 2);
  REQUIRE_THROWS_WITH(mlp::parse_safetensors(g.data(), g.size()),
                      "model file: tensor 'b' has 3 elements of F4, 12 bits: not a whole number of bytes");
}
