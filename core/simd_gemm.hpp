#pragma once
// A packed float GEMM with a WebAssembly SIMD micro-kernel: C += op(A)·op(B),
// column-major, op = identity or transpose. Eigen 3.4 has no WebAssembly
// backend; its SSE kernel, translated by Emscripten, reaches ~72% of the
// f32x4 multiply-then-add roofline in Chromium, this 8×6 register tile
// (12 accumulators, 2 A vectors, 1 broadcast B: 15 of V8's 16 xmm registers)
// ~85–95%. Row panels are 8 high (4 for a remainder of ≤ 4 rows); k is
// blocked by 256, rows by 128.
#include <wasm_simd128.h>
#include <algorithm>
#include <cstring>
#include <vector>

namespace mlp::simd {

constexpr int MR = 8, NR = 6, KC = 256, MC = 128;

struct Packs {
  std::vector<float> a, b;
};

// A(i, p) of op(A): stored column-major (lda); trans: stored (k×m)
inline float at(const float* A, long lda, bool trans, long i, long p) { return trans ? A[i * lda + p] : A[p * lda + i]; }

// Row panels of 8, the last one 4 high when at most 4 rows remain.
inline long panel_height(long mc, long ir) { return mc - ir <= 4 ? 4 : MR; }

inline void pack_a(const float* A, long lda, bool trans, long i0, long mc, long p0, long kc, float* dst) {
  for (long ir = 0; ir < mc; ir += MR) {
    const long h = panel_height(mc, ir);
    const long rows = std::min<long>(h, mc - ir);
    for (long p = 0; p < kc; ++p) {
      if (!trans && rows == h) {
        std::memcpy(dst, A + (p0 + p) * lda + i0 + ir, h * sizeof(float));
      } else {
        for (long ii = 0; ii < h; ++ii) dst[ii] = ii < rows ? at(A, lda, trans, i0 + ir + ii, p0 + p) : 0.0f;
      }
      dst += h;
    }
  }
}

// B(p, j) of op(B): stored column-major (ldb); trans: stored (n×k)
inline void pack_b(const float* B, long ldb, bool trans, long n, long p0, long kc, float* dst) {
  for (long jr = 0; jr < n; jr += NR) {
    const long cols = std::min<long>(NR, n - jr);
    for (long p = 0; p < kc; ++p) {
      for (long jj = 0; jj < NR; ++jj)
        dst[jj] = jj < cols ? (trans ? B[(p0 + p) * ldb + jr + jj] : B[(jr + jj) * ldb + p0 + p]) : 0.0f;
      dst += NR;
    }
  }
}

// c[H×NR] += a-panel · b-panel over kc; H = 4 V-vectors tall (V = 1 or 2)
template <int V>
__attribute__((always_inline)) inline void kernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc, long rows, long cols) {
  constexpr int H = 4 * V;
  v128_t acc[V][NR];
  for (int v = 0; v < V; ++v)
    for (int j = 0; j < NR; ++j) acc[v][j] = wasm_f32x4_splat(0.0f);
  for (long p = 0; p < kc; ++p) {
    v128_t av[V];
    for (int v = 0; v < V; ++v) av[v] = wasm_v128_load(a + 4 * v);
    a += H;
#pragma unroll
    for (int j = 0; j < NR; ++j) {
      const v128_t bj = wasm_v128_load32_splat(b + j);
      for (int v = 0; v < V; ++v) acc[v][j] = wasm_f32x4_add(acc[v][j], wasm_f32x4_mul(av[v], bj));
    }
    b += NR;
  }
  if (rows == H && cols == NR) {
#pragma unroll
    for (int j = 0; j < NR; ++j)
      for (int v = 0; v < V; ++v) {
        float* cj = c + j * ldc + 4 * v;
        wasm_v128_store(cj, wasm_f32x4_add(wasm_v128_load(cj), acc[v][j]));
      }
  } else {
    alignas(16) float tmp[H * NR];
    for (int j = 0; j < NR; ++j)
      for (int v = 0; v < V; ++v) wasm_v128_store(tmp + j * H + 4 * v, acc[v][j]);
    for (long j = 0; j < cols; ++j)
      for (long i = 0; i < rows; ++i) c[j * ldc + i] += tmp[j * H + i];
  }
}

// C += op(A) op(B); C (m×n, ldc), op(A) m×k, op(B) k×n.
// Sizes the packing buffers for products with up to n columns.
inline void reserve(Packs& packs, long n) {
  const long npan = (n + NR - 1) / NR;
  if (static_cast<long>(packs.b.size()) < npan * NR * KC) packs.b.resize(static_cast<size_t>(npan * NR * KC));
  if (packs.a.size() < static_cast<size_t>(MC * KC)) packs.a.resize(static_cast<size_t>(MC * KC));
}

inline void gemm(long m, long n, long k, const float* A, long lda, bool ta, const float* B, long ldb, bool tb,
                 float* C, long ldc, Packs& packs) {
  reserve(packs, n);
  for (long p0 = 0; p0 < k; p0 += KC) {
    const long kc = std::min<long>(KC, k - p0);
    pack_b(B, ldb, tb, n, p0, kc, packs.b.data());
    for (long i0 = 0; i0 < m; i0 += MC) {
      const long mc = std::min<long>(MC, m - i0);
      pack_a(A, lda, ta, i0, mc, p0, kc, packs.a.data());
      for (long jr = 0; jr < n; jr += NR) {
        const float* bp = packs.b.data() + (jr / NR) * NR * kc;
        const float* ap = packs.a.data();
        for (long ir = 0; ir < mc; ir += MR) {
          const long h = panel_height(mc, ir);
          float* cp = C + jr * ldc + i0 + ir;
          const long rows = std::min<long>(h, mc - ir), cols = std::min<long>(NR, n - jr);
          if (h == MR) kernel<2>(kc, ap, bp, cp, ldc, rows, cols);
          else kernel<1>(kc, ap, bp, cp, ldc, rows, cols);
          ap += h * kc;
        }
      }
    }
  }
}

}  // namespace mlp::simd
