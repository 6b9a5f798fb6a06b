#pragma once
// Matrix products with packing buffers reserved up front. Eigen's `noalias()`
// product builds fresh packing buffers for every call, and past 128 KB
// (784-80-10 at batch 128 and up) it takes them from the heap: one malloc per
// product per batch. Gemm keeps Eigen's own blocked kernel (the same code and
// SIMD path as `noalias() = a * b`) but owns the buffers, sized once by
// reserve() for the largest shape it will see. It also accumulates into C,
// which lets a layer fuse its bias (forward) or its λW term (backward).
#include <memory>
#include <type_traits>

#include "matrix.hpp"
#ifdef __wasm_simd128__
#include "simd_gemm.hpp"
#endif

namespace mlp {

template <typename T>
class Gemm {
 public:
  // Buffers for every product of up to (rows, cols, depth).
  void reserve(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
#ifdef __wasm_simd128__
    if constexpr (std::is_same<T, float>::value) {  // simd_gemm.hpp needs one small panel buffer
      simd::reserve(packs_);
      return;
    }
#endif
    if (blocking_ && rows <= rows_ && cols <= cols_ && depth <= depth_) return;
    rows_ = std::max(rows, rows_);
    cols_ = std::max(cols, cols_);
    depth_ = std::max(depth, depth_);
    blocking_ = std::make_unique<Blocking>(rows_, cols_, depth_, 1, true);
    blocking_->allocateAll();
  }

  // C += op(A) · op(B), op(X) = Xᵀ when the flag is set. C: (rows, cols),
  // op(A): (rows, depth), op(B): (depth, cols); all column-major blocks.
  template <bool TransposeA, bool TransposeB, typename CBlock, typename ABlock, typename BBlock>
  void accumulate(CBlock&& c, const ABlock& a, const BBlock& b) {
    using namespace Eigen;
    const Index rows = c.rows(), cols = c.cols(), depth = TransposeA ? a.rows() : a.cols();
    eigen_assert((TransposeA ? a.cols() : a.rows()) == rows);
    eigen_assert((TransposeB ? b.rows() : b.cols()) == cols);
    eigen_assert((TransposeB ? b.cols() : b.rows()) == depth);
#ifdef __wasm_simd128__
    // In WebAssembly, float products go through the SIMD128 kernels of
    // simd_gemm.hpp (~30% faster than Eigen's translated SSE kernel, and
    // with register tiles for 20- and 10-row layers).
    if constexpr (std::is_same<T, float>::value) {
      simd::gemm(rows, cols, depth, a.data(), a.outerStride(), TransposeA, b.data(), b.outerStride(),
                 TransposeB, c.data(), c.outerStride(), packs_);
      return;
    }
#endif
    reserve(rows, cols, depth);  // a no-op once reserved
    // A column-major X read as Xᵀ is the same memory read row-major.
    internal::general_matrix_matrix_product<Index, T, TransposeA ? RowMajor : ColMajor, false, T,
                                            TransposeB ? RowMajor : ColMajor, false, ColMajor,
                                            1>::run(rows, cols, depth, a.data(), a.outerStride(), b.data(),
                                                    b.outerStride(), c.data(), 1, c.outerStride(), T(1),
                                                    *blocking_, nullptr);
  }

 private:
  using Blocking = Eigen::internal::gemm_blocking_space<Eigen::ColMajor, T, T, Eigen::Dynamic, Eigen::Dynamic,
                                                        Eigen::Dynamic, 1, false>;
  std::unique_ptr<Blocking> blocking_;
#ifdef __wasm_simd128__
  simd::Packs packs_;
#endif
  Eigen::Index rows_ = 0, cols_ = 0, depth_ = 0;
};

}  // namespace mlp
