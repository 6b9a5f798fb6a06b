#pragma once
// How the training file is split when nobody says otherwise: its last
// kValidationImages images are held out for validation, the usual split of
// MNIST's 60,000 training images (50,000 to train on, 10,000 to choose
// settings by; the 10,000 test images stay unseen). The one home of the
// number: the CLI's --validation default, the engine's loadData default and,
// through engine.constants(), the page's.
namespace mlp {

inline constexpr int kValidationImages = 10000;

}  // namespace mlp
