// The safetensors container: round trips, the byte layout a reference
// reader expects, and corrupted files rejected with clear messages.
#include "core/safetensors.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
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
  SECTION("unsupported dtypes") {
    for (const char* dtype : {"F16", "I32", "F64", "BF16"}) {
      CAPTURE(dtype);
      const std::string h = "{" + tensor("w", dtype, "[2,2]", 0, 16) + "}";
      REQUIRE_THROWS_AS(decode(make_file(h, 16)), mlp::ModelFileError);
      REQUIRE_THROWS_WITH(decode(make_file(h, 16)),
                          Catch::Contains(std::string("dtype ") + dtype) && Catch::Contains("only F32"));
    }
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
    REQUIRE_THROWS_WITH(decode(make_file(huge, 16)), Catch::Contains("outside the 16 data bytes"));
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
