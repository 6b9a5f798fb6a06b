#pragma once
// A fully connected layer whose weights and gradients are views into the
// network's flat parameter and gradient vectors (W then b, per layer), so an
// optimiser update is one pass over one vector.
#include "gemm.hpp"
#include "matrix.hpp"

namespace mlp {

template <typename T>
class DenseLayer {
 public:
  // params and grads point at parameter_count(in, out) elements each.
  DenseLayer(int in, int out, T* params, T* grads)
      : w(params, out, in),
        b(params + static_cast<Eigen::Index>(out) * in, out),
        dw(grads, out, in),
        db(grads + static_cast<Eigen::Index>(out) * in, out) {}

  static Eigen::Index parameter_count(int in, int out) { return static_cast<Eigen::Index>(out) * in + out; }
  int inputs() const { return static_cast<int>(w.cols()); }
  int outputs() const { return static_cast<int>(w.rows()); }

  // Reserves the product buffers for batches of up to `batch` samples.
  void reserve(int batch) {
    forward_gemm_.reserve(outputs(), batch, inputs());
    weight_gemm_.reserve(outputs(), inputs(), batch);
    input_gemm_.reserve(inputs(), batch, outputs());
  }

  // A = W X + b 1ᵀ.  x: (in, batch) → a: (out, batch)
  void forward(const Eigen::Ref<const Matrix<T>>& x, Eigen::Ref<Matrix<T>> a) {
    a.colwise() = b;
    forward_gemm_.template accumulate<false, false>(a, w, x);
  }

  // ∇W = G Xᵀ + λW,  ∇b = G 1.  g: (out, batch), x: (in, batch).
  // Gradients are overwritten (not accumulated) on every batch.
  void weight_gradients(const Eigen::Ref<const Matrix<T>>& g, const Eigen::Ref<const Matrix<T>>& x, T l2) {
    if (l2 != T(0))
      dw = l2 * w;
    else
      dw.setZero();
    weight_gemm_.template accumulate<false, true>(dw, g, x);
    db = g.rowwise().sum();
  }

  // ∇X = Wᵀ G.  g: (out, batch) → dx: (in, batch)
  void input_gradient(const Eigen::Ref<const Matrix<T>>& g, Eigen::Ref<Matrix<T>> dx) {
    dx.setZero();
    input_gemm_.template accumulate<true, false>(dx, w, g);
  }

  MatrixMap<T> w;   // (out, in)
  VectorMap<T> b;   // (out)
  MatrixMap<T> dw;  // (out, in)
  VectorMap<T> db;  // (out)

 private:
  Gemm<T> forward_gemm_, weight_gemm_, input_gemm_;
};

}  // namespace mlp
