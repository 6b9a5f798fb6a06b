// Intentionally empty. Eigen's SSE path includes <mmintrin.h> (MMX), which
// Emscripten does not provide; nothing from it is used. This folder is put
// first on the include path of the WebAssembly build only, so that Eigen can
// use Emscripten's SSE-to-WebAssembly-SIMD headers (xmmintrin.h ... nmmintrin.h).
#pragma once
