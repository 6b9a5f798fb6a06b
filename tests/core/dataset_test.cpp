// Dataset: batches gathered in a given order, scaled to [0, 1] with one-hot
// targets; slices and the validation split.
#include "core/dataset.hpp"

#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "test_support.hpp"

using mlp::Matrix;

namespace {

mlp::Dataset tiny() {
  mlp::Dataset d;
  d.rows = 1;
  d.cols = 3;
  d.num_classes = 4;
  d.images.resize(3, 4);
  d.images << 0, 255, 51, 10,  //
      255, 0, 102, 20,         //
      128, 1, 204, 30;
  d.labels = {2, 0, 3, 1};
  return d;
}

}  // namespace

TEST_CASE("gather_batch scales pixels to 0..1 and one-hot encodes labels in the given order", "[dataset]") {
  const mlp::Dataset d = tiny();
  const std::int32_t order[] = {2, 0, 3};
  Matrix<float> x(3, 3), y(4, 3);
  x.setConstant(-7.0f);  // stale contents must be overwritten
  y.setConstant(-7.0f);
  mlp::gather_batch(d, order, x, y);
  for (int j = 0; j < 3; ++j) {
    for (int p = 0; p < 3; ++p) CHECK(x(p, j) == Approx(d.images(p, order[j]) / 255.0).epsilon(1e-6));
    for (int k = 0; k < 4; ++k) CHECK(y(k, j) == (k == d.labels[order[j]] ? 1.0f : 0.0f));
  }
  CHECK(x(1, 1) == 1.0f);  // 255 → exactly 1
  CHECK(x(0, 1) == 0.0f);  // 0 → exactly 0
  CHECK(((x.array() >= 0) && (x.array() <= 1)).all());
  CHECK(y.colwise().sum().isOnes());
}

TEST_CASE("gather_batch fills only the columns of a smaller batch", "[dataset]") {
  const mlp::Dataset d = tiny();
  const std::int32_t order[] = {3};
  Matrix<float> x = Matrix<float>::Constant(3, 4, -1.0f), y = Matrix<float>::Constant(4, 4, -1.0f);
  mlp::gather_batch(d, order, x.leftCols(1), y.leftCols(1));
  CHECK(x(2, 0) == Approx(30 / 255.0));
  CHECK(y(1, 0) == 1.0f);
  CHECK((x.rightCols(3).array() == -1.0f).all());
  CHECK((y.rightCols(3).array() == -1.0f).all());
}

TEST_CASE("slice keeps the images, labels and shape of a range", "[dataset]") {
  const mlp::Dataset d = tiny();
  const mlp::Dataset s = d.slice(1, 3);
  CHECK(s.size() == 2);
  CHECK(s.features() == 3);
  CHECK(s.num_classes == 4);
  CHECK(s.cols == 3);
  CHECK(s.labels == std::vector<std::uint8_t>{0, 3});
  CHECK(s.images == d.images.middleCols(1, 2));
}

TEST_CASE("make_splits takes the last N training images for validation", "[dataset]") {
  const mlp::Dataset full = mlp_test::make_noise(20);
  const mlp::Dataset test = mlp_test::make_noise(5, 16, 10, 99);
  const auto splits = mlp::make_splits(full, test, 6);
  CHECK(splits.train.size() == 14);
  CHECK(splits.validation.size() == 6);
  CHECK(splits.test.size() == 5);
  CHECK(splits.train.images == full.images.leftCols(14));
  CHECK(splits.validation.images == full.images.rightCols(6));
  CHECK(splits.validation.labels == std::vector<std::uint8_t>(full.labels.begin() + 14, full.labels.end()));
  CHECK(splits.test.images == test.images);

  const auto none = mlp::make_splits(full, test, 0);
  CHECK(none.train.size() == 20);
  CHECK(none.validation.size() == 0);
}

TEST_CASE("make_splits rejects bad validation sizes and mismatched test images", "[dataset][config]") {
  const mlp::Dataset full = mlp_test::make_noise(20);
  const mlp::Dataset test = mlp_test::make_noise(5);
  for (int bad : {-1, 20, 1000}) {
    CAPTURE(bad);
    REQUIRE_THROWS_AS(mlp::make_splits(full, test, bad), mlp::ConfigError);
    REQUIRE_THROWS_WITH(mlp::make_splits(full, test, bad),
                        "validation size " + std::to_string(bad) + " must be in [0, 20)");
  }
  const mlp::Dataset wide = mlp_test::make_noise(5, 25);
  REQUIRE_THROWS_AS(mlp::make_splits(full, wide, 4), mlp::IdxError);
  REQUIRE_THROWS_WITH(mlp::make_splits(full, wide, 4), "test images have 25 pixels, training images 16");
}

TEST_CASE("load_mnist_dir reports a missing folder by the file it could not open", "[dataset]") {
  REQUIRE_THROWS_AS(mlp::load_mnist_dir("/nonexistent-mnist-dir"), mlp::Error);
  // Whichever of the four files is tried first.
  REQUIRE_THROWS_WITH(
      mlp::load_mnist_dir("/nonexistent-mnist-dir"),
      Catch::StartsWith("cannot open '/nonexistent-mnist-dir/") && Catch::EndsWith("-ubyte'"));
}
