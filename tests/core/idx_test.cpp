// IDX parsing: the byte layout of the format, round trips, and every kind
// of malformed file rejected with its own message, before any allocation.
#include "core/idx.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "core/dataset.hpp"
#include "core/errors.hpp"
#include "test_support.hpp"

using Bytes = std::vector<std::uint8_t>;

namespace {

void put_be32(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// An IDX file written by hand from the format description: magic 0 0 type
// ndims, big-endian dimensions, then the payload.
Bytes idx_file(std::uint8_t type, std::vector<std::uint32_t> dims, std::size_t payload_bytes,
               std::uint8_t fill = 0) {
  Bytes out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims) put_be32(out, d);
  for (std::size_t i = 0; i < payload_bytes; ++i) out.push_back(static_cast<std::uint8_t>(fill + i));
  return out;
}

mlp::IdxImages parse_images(const Bytes& b) {
  return mlp::parse_idx_images(b.data(), b.size(), "imgs");
}
std::vector<std::uint8_t> parse_labels(const Bytes& b) {
  return mlp::parse_idx_labels(b.data(), b.size(), "lbls");
}

// Forbids Eigen heap allocation while alive (effective when Eigen's asserts are).
struct NoEigenMalloc {
  NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(false); }
  ~NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(true); }
};

}  // namespace

TEST_CASE("IDX images are read as one column per image, pixels row-major", "[idx]") {
  // 2 images of 2×3: image i, pixel (r, c) has value 100 i + 10 r + c.
  Bytes file{0, 0, 0x08, 3};
  put_be32(file, 2);
  put_be32(file, 2);
  put_be32(file, 3);
  for (int i = 0; i < 2; ++i)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) file.push_back(static_cast<std::uint8_t>(100 * i + 10 * r + c));
  const auto images = parse_images(file);
  CHECK(images.count == 2);
  CHECK(images.rows == 2);
  CHECK(images.cols == 3);
  REQUIRE(images.pixels.rows() == 6);
  REQUIRE(images.pixels.cols() == 2);
  for (int i = 0; i < 2; ++i)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) CHECK(images.pixels(r * 3 + c, i) == 100 * i + 10 * r + c);
  // And encoding gives back exactly the bytes written by hand.
  CHECK(mlp::encode_idx_images(images) == file);
}

TEST_CASE("IDX labels round-trip and match the hand-written layout", "[idx]") {
  const std::vector<std::uint8_t> labels{3, 1, 4, 1, 5, 9, 2, 6};
  const Bytes encoded = mlp::encode_idx_labels(labels);
  const Bytes by_hand = [&] {
    Bytes b{0, 0, 0x08, 1, 0, 0, 0, 8};
    b.insert(b.end(), labels.begin(), labels.end());
    return b;
  }();
  CHECK(encoded == by_hand);
  CHECK(parse_labels(encoded) == labels);
}

TEST_CASE("encoded random images parse back identically", "[idx]") {
  mlp::Random rng(21);
  mlp::IdxImages images;
  images.count = 7;
  images.rows = 3;
  images.cols = 5;
  images.pixels.resize(15, 7);
  for (Eigen::Index i = 0; i < images.pixels.size(); ++i)
    images.pixels.data()[i] = static_cast<std::uint8_t>(rng.below(256));
  const Bytes file = mlp::encode_idx_images(images);
  CHECK(file.size() == 16 + 15 * 7);
  const auto back = parse_images(file);
  CHECK(back.count == 7);
  CHECK(back.rows == 3);
  CHECK(back.cols == 5);
  CHECK(back.pixels == images.pixels);
}

TEST_CASE("Dataset::from_idx pairs images with labels", "[idx][dataset]") {
  const mlp::Dataset original = mlp_test::make_quadrants(12);
  mlp::IdxImages images;
  images.count = original.size();
  images.rows = 4;
  images.cols = 4;
  images.pixels = original.images;
  const auto data = mlp::Dataset::from_idx(mlp::encode_idx_images(images),
                                           mlp::encode_idx_labels(original.labels), "train");
  CHECK(data.size() == 12);
  CHECK(data.rows == 4);
  CHECK(data.cols == 4);
  CHECK(data.features() == 16);
  CHECK(data.images == original.images);
  CHECK(data.labels == original.labels);
}

TEST_CASE("malformed IDX files are rejected with a message naming the problem", "[idx][malformed]") {
  const Bytes good_images = idx_file(0x08, {2, 2, 2}, 8);
  const Bytes good_labels = idx_file(0x08, {3}, 3);
  REQUIRE_NOTHROW(parse_images(good_images));
  REQUIRE_NOTHROW(parse_labels(good_labels));

  SECTION("empty and too short") {
    REQUIRE_THROWS_WITH(parse_images(Bytes{}), Catch::Contains("imgs") && Catch::Contains("too short"));
    REQUIRE_THROWS_WITH(parse_labels(Bytes{0, 0, 8}), Catch::Contains("too short"));
  }
  SECTION("wrong magic") {
    Bytes b = good_images;
    b[0] = 0x1f;  // e.g. a gzip file handed over unpacked
    REQUIRE_THROWS_AS(parse_images(b), mlp::IdxError);
    REQUIRE_THROWS_WITH(parse_images(b), Catch::Contains("not an IDX file"));
  }
  SECTION("wrong data type") {
    REQUIRE_THROWS_WITH(parse_images(idx_file(0x0D, {2, 2, 2}, 32)),  // float
                        Catch::Contains("data type 13") && Catch::Contains("not supported"));
    REQUIRE_THROWS_WITH(parse_labels(idx_file(0x09, {3}, 3)), Catch::Contains("data type 9"));
  }
  SECTION("wrong number of dimensions") {
    REQUIRE_THROWS_WITH(parse_images(idx_file(0x08, {8}, 8)),
                        Catch::Contains("1 dimension(s)") && Catch::Contains("must have 3"));
    REQUIRE_THROWS_WITH(parse_labels(idx_file(0x08, {2, 2, 2}, 8)),
                        Catch::Contains("3 dimension(s)") && Catch::Contains("must have 1"));
  }
  SECTION("truncated header") {
    const Bytes b(good_images.begin(), good_images.begin() + 10);
    REQUIRE_THROWS_WITH(parse_images(b), Catch::Contains("truncated IDX header"));
    const Bytes l(good_labels.begin(), good_labels.begin() + 6);
    REQUIRE_THROWS_WITH(parse_labels(l), Catch::Contains("truncated IDX header"));
  }
  SECTION("truncated data") {
    const Bytes b(good_images.begin(), good_images.end() - 1);
    REQUIRE_THROWS_WITH(parse_images(b), Catch::Contains("truncated") && Catch::Contains("8 data bytes") &&
                                             Catch::Contains("only 7"));
    const Bytes l(good_labels.begin(), good_labels.end() - 2);
    REQUIRE_THROWS_WITH(parse_labels(l), Catch::Contains("truncated"));
  }
  SECTION("extra bytes") {
    Bytes b = good_images;
    b.push_back(0);
    b.push_back(0);
    REQUIRE_THROWS_WITH(parse_images(b), Catch::Contains("2 unexpected bytes"));
    Bytes l = good_labels;
    l.push_back(1);
    REQUIRE_THROWS_WITH(parse_labels(l), Catch::Contains("1 unexpected bytes"));
  }
  SECTION("zero-size image dimension") {
    REQUIRE_THROWS_WITH(parse_images(idx_file(0x08, {2, 0, 28}, 0)),
                        Catch::Contains("dimension 0") && Catch::Contains("out of range"));
    REQUIRE_THROWS_WITH(parse_images(idx_file(0x08, {2, 28, 0}, 0)), Catch::Contains("out of range"));
  }
  SECTION("absurd image dimension") {
    REQUIRE_THROWS_WITH(parse_images(idx_file(0x08, {1, 0xFFFFFFFFu, 0xFFFFFFFFu}, 4)),
                        Catch::Contains("out of range"));
  }
  SECTION("label outside the classes") {
    Bytes l = good_labels;
    l.back() = 10;
    REQUIRE_THROWS_AS(parse_labels(l), mlp::IdxError);
    REQUIRE_THROWS_WITH(parse_labels(l), Catch::Contains("label 10 at index 2"));
    l.back() = 255;
    REQUIRE_THROWS_WITH(parse_labels(l), Catch::Contains("label 255"));
    const Bytes four{0, 0, 8, 1, 0, 0, 0, 2, 3, 4};
    CHECK_NOTHROW(mlp::parse_idx_labels(four.data(), four.size(), "x", 5));
    REQUIRE_THROWS_WITH(mlp::parse_idx_labels(four.data(), four.size(), "x", 4), Catch::Contains("label 4"));
  }
}

TEST_CASE("absurd IDX counts fail fast without allocating", "[idx][malformed]") {
  // 0xFFFFFFFF images of 28×28 announced, 8 bytes present: ~3.4 TB claimed.
  const Bytes images = idx_file(0x08, {0xFFFFFFFFu, 28, 28}, 8);
  const Bytes labels = idx_file(0x08, {0xFFFFFFFFu}, 8);
  NoEigenMalloc guard;  // an Eigen allocation here would trip Eigen's assertion
  REQUIRE_THROWS_WITH(parse_images(images), Catch::Contains("truncated") && Catch::Contains("only 8"));
  REQUIRE_THROWS_WITH(parse_labels(labels), Catch::Contains("truncated"));
}

TEST_CASE("Dataset::from_idx rejects image and label counts that differ", "[idx][dataset][malformed]") {
  const Bytes images = idx_file(0x08, {3, 2, 2}, 12);
  const Bytes labels = idx_file(0x08, {2}, 2);
  REQUIRE_THROWS_AS(mlp::Dataset::from_idx(images, labels, "train"), mlp::IdxError);
  REQUIRE_THROWS_WITH(mlp::Dataset::from_idx(images, labels, "train"),
                      Catch::Contains("3 images but 2 labels"));
  // Errors in either file name it.
  Bytes bad = labels;
  bad[0] = 1;
  REQUIRE_THROWS_WITH(mlp::Dataset::from_idx(images, bad, "train"), Catch::Contains("train-labels"));
}

TEST_CASE("read_file reports a missing file", "[idx]") {
  REQUIRE_THROWS_AS(mlp::read_file("/nonexistent/dir/train-images-idx3-ubyte"), mlp::Error);
  REQUIRE_THROWS_WITH(mlp::read_file("/nonexistent/dir/x"), Catch::Contains("/nonexistent/dir/x"));
}
