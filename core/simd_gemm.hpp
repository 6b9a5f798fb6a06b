#pragma once
// A float GEMM with WebAssembly SIMD micro-kernels: C += op(A)·op(B),
// column-major, op = identity or transpose. Eigen 3.4 has no WebAssembly
// backend (its SSE kernel, translated by Emscripten, reaches ~70% of the
// f32x4 multiply-then-add roofline in Chromium).
//
// The register tile is 20 rows × 2 columns: 10 accumulators, one A vector
// loaded at a time and two broadcast B values, 14 of the 15 xmm registers
// V8 allocates on x64 (an 8×6 tile needs 16 with the product's temporary
// and spills). Remainder rows use narrower tiles with more columns (16×2,
// 12×3, 8×4, 4×4), so layers of 20 or 10 rows (12-row tiles) keep most lanes
// busy; layers of 20, 80 and 800 units are whole 20-row tiles.
//
// Operands are read in place, without packing, wherever op(A)'s rows are
// contiguous (A not transposed: a tile's rows are one stretch of a column)
// and always for B (two column pointers, or one row pointer for Bᵀ). Only Aᵀ
// and ragged row remainders are copied into a small panel buffer.
//
// Summation order: k is cut into blocks that depend only on k (at most 256,
// as even as possible); in each block every element is summed from zero in
// order p = 0, 1, ... in a register, then added to C. Any split of C into
// tiles therefore gives bit-identical results, which the threaded core
// relies on.
#include <wasm_simd128.h>

#include <algorithm>
#include <vector>

namespace mlp::simd {

constexpr int kMaxRows = 20;  // rows of the widest register tile
constexpr int kMaxDepth = 256;
constexpr long kPackStride = 256;  // A's columns this far apart (floats) are copied into a panel first

// The panel buffer for Aᵀ and ragged rows: kMaxRows × kMaxDepth floats.
struct Packs {
  std::vector<float> a;
};

inline void reserve(Packs& packs) {
  if (packs.a.size() < static_cast<std::size_t>(kMaxRows * kMaxDepth))
    packs.a.resize(static_cast<std::size_t>(kMaxRows * kMaxDepth));
}

// Columns of B per register tile, by its height in vectors.
constexpr int columns_for(int vectors) {
  return vectors >= 4 ? 2 : vectors == 3 ? 3 : 4;
}

// c[4V × N] += a-panel · b-panel over kc. a: 4V contiguous rows at a + p·astep.
// b: element (p, j) at b + p·bp + j·bj. rows ≤ 4V rows of C are written.
template <int V, int N>
__attribute__((always_inline)) inline void kernel(long kc, const float* __restrict a, long astep,
                                                  const float* __restrict b, long bp, long bj,
                                                  float* __restrict c, long ldc, int rows) {
  v128_t acc[V][N];
  for (int v = 0; v < V; ++v)
    for (int j = 0; j < N; ++j) acc[v][j] = wasm_f32x4_splat(0.0f);
  const float* bc[N];
  for (int j = 0; j < N; ++j) bc[j] = b + j * bj;
  for (long p = 0; p < kc; ++p) {
    v128_t bv[N];
    for (int j = 0; j < N; ++j) {
      bv[j] = wasm_v128_load32_splat(bc[j]);
      bc[j] += bp;
    }
#pragma unroll
    for (int v = 0; v < V; ++v) {
      const v128_t av = wasm_v128_load(a + 4 * v);
      for (int j = 0; j < N; ++j) acc[v][j] = wasm_f32x4_add(acc[v][j], wasm_f32x4_mul(av, bv[j]));
    }
    a += astep;
  }
  if (rows == 4 * V) {
    for (int j = 0; j < N; ++j)
      for (int v = 0; v < V; ++v) {
        float* cj = c + j * ldc + 4 * v;
        wasm_v128_store(cj, wasm_f32x4_add(wasm_v128_load(cj), acc[v][j]));
      }
  } else {
    alignas(16) float tmp[4 * V];
    for (int j = 0; j < N; ++j) {
      for (int v = 0; v < V; ++v) wasm_v128_store(tmp + 4 * v, acc[v][j]);
      for (int i = 0; i < rows; ++i) c[j * ldc + i] += tmp[i];
    }
  }
}

// One row panel (4V rows) against every column of the block.
template <int V>
inline void panel(long n, long kc, const float* a, long astep, const float* b, long bp, long bj, float* c,
                  long ldc, int rows) {
  constexpr int N = columns_for(V);
  long j = 0;
  for (; j + N <= n; j += N) kernel<V, N>(kc, a, astep, b + j * bj, bp, bj, c + j * ldc, ldc, rows);
  const long left = n - j;
  if (left == 0) return;
  b += j * bj;
  c += j * ldc;
  if constexpr (N >= 2) {
    if (left == 1) return kernel<V, 1>(kc, a, astep, b, bp, bj, c, ldc, rows);
  }
  if constexpr (N >= 3) {
    if (left == 2) return kernel<V, 2>(kc, a, astep, b, bp, bj, c, ldc, rows);
  }
  if constexpr (N >= 4) {
    if (left == 3) return kernel<V, 3>(kc, a, astep, b, bp, bj, c, ldc, rows);
  }
}

// The blocks of k: nb blocks of at most kMaxDepth, boundaries p·k/nb.
inline long depth_blocks(long k) {
  return (k + kMaxDepth - 1) / kMaxDepth;
}

// C (m×n, ldc) += op(A) op(B); op(A) m×k, op(B) k×n; A stored m×k (lda) or,
// transposed, k×m; B stored k×n (ldb) or, transposed, n×k.
inline void gemm(long m, long n, long k, const float* A, long lda, bool ta, const float* B, long ldb, bool tb,
                 float* C, long ldc, Packs& packs) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  reserve(packs);  // a no-op once reserved
  // B(p, j) at B + p·bp + j·bj
  const long bp = tb ? ldb : 1, bj = tb ? 1 : ldb;
  const long blocks = depth_blocks(k);
  for (long blk = 0; blk < blocks; ++blk) {
    const long p0 = blk * k / blocks, kc = (blk + 1) * k / blocks - p0;
    const float* b = B + p0 * bp;
    for (long i0 = 0; i0 < m; i0 += kMaxRows) {
      const int rows = static_cast<int>(std::min<long>(kMaxRows, m - i0));
      const int vectors = (rows + 3) / 4;
      const float* a;
      long astep;
      const int h = 4 * vectors;
      if (!ta && rows == h && lda < kPackStride) {  // in place: h rows of a column, one column per p
        a = A + p0 * lda + i0;
        astep = lda;
      } else if (!ta) {  // far-apart columns (TLB misses) or a ragged panel: copied, zero-padded to h rows
        float* dst = packs.a.data();
        const float* src = A + p0 * lda + i0;
        for (long p = 0; p < kc; ++p, dst += h, src += lda) {
          int i = 0;
          for (; i + 4 <= rows; i += 4) wasm_v128_store(dst + i, wasm_v128_load(src + i));
          for (; i < rows; ++i) dst[i] = src[i];
          for (; i < h; ++i) dst[i] = 0.0f;
        }
        a = packs.a.data();
        astep = h;
      } else {  // Aᵀ: row i of op(A) is column i0 + i of A
        float* dst = packs.a.data();
        for (int i = 0; i < h; ++i) {
          const float* src = A + (i0 + i) * lda + p0;
          for (long p = 0; p < kc; ++p) dst[p * h + i] = i < rows ? src[p] : 0.0f;
        }
        a = packs.a.data();
        astep = h;
      }
      float* c = C + i0;
      switch (vectors) {
        case 5:
          panel<5>(n, kc, a, astep, b, bp, bj, c, ldc, rows);
          break;
        case 4:
          panel<4>(n, kc, a, astep, b, bp, bj, c, ldc, rows);
          break;
        case 3:
          panel<3>(n, kc, a, astep, b, bp, bj, c, ldc, rows);
          break;
        case 2:
          panel<2>(n, kc, a, astep, b, bp, bj, c, ldc, rows);
          break;
        default:
          panel<1>(n, kc, a, astep, b, bp, bj, c, ldc, rows);
          break;
      }
    }
  }
}

}  // namespace mlp::simd
