// Emscripten's SSE2 header, with its two float→int conversions replaced.
// Emscripten 3.1.6 emulates _mm_cvttps_epi32 and _mm_cvtps_epi32 one lane at
// a time through lrint() (its header says "TODO: optimize"), and Eigen's
// vectorised exp() calls one of them on every packet: the sigmoid ran about
// 3× slower than scalar code. WebAssembly SIMD has the instruction itself.
// Difference from SSE, harmless for Eigen (which clamps exp's argument):
// out-of-range lanes saturate and NaN becomes 0, instead of 0x80000000.
#pragma once
#pragma GCC system_header
#include_next <emmintrin.h>

#include <wasm_simd128.h>

#define _mm_cvttps_epi32(a) ((__m128i)wasm_i32x4_trunc_sat_f32x4((v128_t)(a)))
#define _mm_cvtps_epi32(a) ((__m128i)wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest((v128_t)(a))))
