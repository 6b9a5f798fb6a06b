#pragma once
// What each layer's health (inspection.hpp) is measured on by default, and
// the most one measurement may take. The one home of these numbers: the
// engine's inspectHealth defaults and limits, and through engine.constants()
// the page's.
namespace mlp {

// A fixed sample of this many images (the first of a split): units × 256
// activations fill the histogram's bins (5,120 for the report's 20 hidden
// units), and one forward and backward pass over so few images is short
// enough to run after every epoch.
inline constexpr int kHealthSample = 256;
// Bins of each hidden layer's activation histogram.
inline constexpr int kHealthBins = 20;

// One call inspects at most this many images: its forward and backward pass
// run in one workspace of that many columns, which stays small and quick.
inline constexpr int kMaxHealthSample = 4096;
// A histogram has at most this many bins.
inline constexpr int kMaxHealthBins = 256;

}  // namespace mlp
