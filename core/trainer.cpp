#include "trainer.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>

#include "errors.hpp"
#include "gradient_clipping.hpp"
#include "inspection.hpp"
#include "memory_estimate.hpp"

namespace mlp {

Trainer::Trainer(const TrainConfig& config, std::shared_ptr<const Dataset> train)
    : config_((config.validate(), config)), net_(config.architecture), rng_(config.seed) {
  net_.initialize(rng_, config_.init);
  set_optimizer(config.optimizer);
  set_training_data(std::move(train));
}

Trainer::Trainer(const TrainerState& state, std::shared_ptr<const Dataset> train)
    : config_((state.config.validate(), state.config)),
      net_(state.config.architecture),
      rng_(state.config.seed) {
  if (state.parameters.size() != net_.parameters().size())
    throw Error("saved state has " + std::to_string(state.parameters.size()) + " parameters, the network " +
                config_.architecture.describe() + " needs " + std::to_string(net_.parameters().size()));
  net_.parameters() = state.parameters;
  set_optimizer(config_.optimizer);
  for (auto& [name, vec] : optimizer_state_) {
    if (state.fresh_optimizer) break;  // keeps set_optimizer's zero state
    auto it = std::find_if(state.optimizer_state.begin(), state.optimizer_state.end(),
                           [&n = name](const auto& entry) { return entry.first == n; });
    if (it == state.optimizer_state.end() || it->second.size() != vec->size())
      throw Error("saved state lacks optimizer state '" + name + "' of " + std::to_string(vec->size()) +
                  " values");
    *vec = it->second;
  }
  optimizer_->set_steps(state.optimizer_steps);
  progress_ = state.progress;
  if (!progress_.rng_state.empty()) rng_.set_state(Random::parse_state_hex(progress_.rng_state));
  set_training_data(std::move(train));
}

void Trainer::set_training_data(std::shared_ptr<const Dataset> train) {
  train_ = std::move(train);
  if (!train_) return;
  if (train_->size() == 0) throw Error("the training set is empty");
  if (train_->features() != net_.input_size())
    throw Error("training images have " + std::to_string(train_->features()) +
                " pixels, the network expects " + std::to_string(net_.input_size()));
  if (train_->num_classes > net_.output_size())
    throw Error("the data has " + std::to_string(train_->num_classes) + " classes, the network only " +
                std::to_string(net_.output_size()) + " outputs");
  if (batches_per_epoch() == 0)
    throw Error("slice batching needs more training images than the batch size (" +
                std::to_string(training_size()) + " images, batches of " +
                std::to_string(config_.batch_size) + ")");
  const int b = config_.batch_size;
  x_.resize(net_.input_size(), b);
  y_.resize(net_.output_size(), b);
  net_.reserve(b);
  net_.reserve_threads(pool_ ? pool_->size() : 1);
  tile_correct_.resize(
      static_cast<std::size_t>((b + Network<float>::kSampleTile - 1) / Network<float>::kSampleTile));
  tile_moments_.resize(tile_correct_.size() * static_cast<std::size_t>(net_.layer_count()));
  layer_moments_.resize(static_cast<std::size_t>(net_.layer_count()));
  weight_sums_.resize(net_.weight_tiles().size());
  tile_squares_.resize(net_.weight_tiles().size());
  if (config_.batching == Batching::Slices) {
    identity_.resize(static_cast<std::size_t>(training_size()));
    std::iota(identity_.begin(), identity_.end(), 0);
    gradient_sum_.resize(net_.gradients().size());
  }
  if (progress_.batch_in_epoch >= batches_per_epoch()) {  // a different, smaller set: start afresh
    progress_.batch_in_epoch = 0;
    progress_.epoch_rng_state.clear();
    return;
  }
  if (progress_.epoch_rng_state.empty()) return;
  // Mid-epoch: redraw this epoch's permutation from the state it was drawn from.
  rng_.set_state(Random::parse_state_hex(progress_.epoch_rng_state));
  draw_epoch_order();
}

void Trainer::set_thread_pool(ThreadPool* pool) {
  pool_ = pool;
  net_.reserve_threads(pool_ ? pool_->size() : 1);
}

template <typename F>
auto Trainer::timed(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto result = f();
  parallel_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

template <typename F>
void Trainer::run_tasks(int count, F&& task) {
  timed([&] {
    if (pool_)
      pool_->run(count, task);
    else
      for (int i = 0; i < count; ++i) task(i, 0);
    return 0;
  });
}

void Trainer::draw_epoch_order() {
  progress_.epoch_rng_state = rng_.state_hex();
  order_.resize(static_cast<std::size_t>(training_size()));
  std::iota(order_.begin(), order_.end(), 0);
  rng_.shuffle(order_);
}

int Trainer::training_size() const {
  if (!train_) return 0;
  return config_.train_limit > 0 ? std::min(config_.train_limit, train_->size()) : train_->size();
}

int Trainer::batches_per_epoch() const {
  if (!train_) return 0;
  return mlp::batches_per_epoch(config_.batching, training_size(), config_.batch_size);
}

void Trainer::set_learning_rate(double lr) {
  optimizer_->set_learning_rate(lr);
  config_.optimizer.learning_rate = lr;
}

void Trainer::set_optimizer(const OptimizerConfig& config) {
  TrainConfig with = config_;  // more optimiser state may not fit
  with.optimizer = config;
  check_memory(with);
  auto next = make_optimizer<float>(config, net_.parameters().size());
  optimizer_ = std::move(next);
  optimizer_state_ = optimizer_->state();
  config_.optimizer = config;
  saved_optimizer_state_.resize(optimizer_state_.size());
}

void Trainer::set_dynamics(int every_batches, int capacity) {
  if (every_batches < 0 || every_batches > 1000000)
    throw ConfigError("the dynamics interval must be between 0 (off) and 1000000 batches, got " +
                      std::to_string(every_batches));
  if (capacity < 1 || capacity > 1000000)
    throw ConfigError("the dynamics buffer must hold between 1 and 1000000 records, got " +
                      std::to_string(capacity));
  dynamics_.configure(every_batches, net_.layer_count(), capacity);
}

void Trainer::snapshot() {
  // A copy of every parameter and state vector per chunk: on the threads too,
  // in the weight tiles' ranges (sizes fixed once, so nothing is allocated).
  saved_parameters_.resize(net_.parameters().size());
  for (std::size_t i = 0; i < optimizer_state_.size(); ++i)
    saved_optimizer_state_[i].resize(optimizer_state_[i].second->size());
  const auto& tiles = net_.weight_tiles();
  run_tasks(static_cast<int>(tiles.size()), [&](int t, int) {
    const auto& tile = tiles[static_cast<std::size_t>(t)];
    saved_parameters_.segment(tile.offset, tile.size) = net_.parameters().segment(tile.offset, tile.size);
    for (std::size_t i = 0; i < optimizer_state_.size(); ++i)
      saved_optimizer_state_[i].segment(tile.offset, tile.size) =
          optimizer_state_[i].second->segment(tile.offset, tile.size);
  });
  saved_progress_ = progress_;
  saved_optimizer_steps_ = optimizer_->steps();
}

bool Trainer::parameters_finite() {
  const auto& tiles = net_.weight_tiles();
  for (auto& f : tile_finite_) f = 1;
  tile_finite_.resize(tiles.size(), 1);
  run_tasks(static_cast<int>(tiles.size()), [&](int t, int) {
    const auto& tile = tiles[static_cast<std::size_t>(t)];
    // x − x is 0 for a finite x and NaN otherwise, so the sum is 0 exactly when
    // every value is finite: a vectorised reduction (Eigen's allFinite() is a
    // scalar loop, a few percent of a small batch's time).
    const auto p = net_.parameters().segment(tile.offset, tile.size);
    tile_finite_[static_cast<std::size_t>(t)] = (p - p).sum() == 0.0f;
  });
  return std::all_of(tile_finite_.begin(), tile_finite_.end(), [](char f) { return f != 0; });
}

void Trainer::restore_snapshot() {
  net_.parameters() = saved_parameters_;
  for (std::size_t i = 0; i < optimizer_state_.size(); ++i)
    *optimizer_state_[i].second = saved_optimizer_state_[i];
  progress_ = saved_progress_;
  optimizer_->set_steps(saved_optimizer_steps_);
}

void Trainer::diverged(const std::string& what) {
  const Progress at = progress_;
  restore_snapshot();
  recording_ = false;
  dynamics_.drop_after(progress_.step);
  throw DivergedError("training diverged: " + what + " at epoch " + std::to_string(at.epoch + 1) +
                      ", batch " + std::to_string(at.batch_in_epoch + 1) + " (learning rate " +
                      std::to_string(config_.optimizer.learning_rate) +
                      "); the weights from before this chunk were kept");
}

// One batch: forward, loss, accuracy, backward and one optimiser step on the
// `count` samples at `samples`: Network::step_tiles, with the gather and the
// argmax in its sample tiles and the optimiser's update of each weight tile's
// range in its weight tiles. Batches larger than the workspace (slices) are
// run through it in pieces whose gradients are summed, so the step is the
// same as for one big batch and nothing is allocated. With gradient
// clipping the step waits for the whole gradient (its norm), as for pieces.
// Returns the loss sum.
double Trainer::train_batch(const std::int32_t* samples, int count, int& correct) {
  correct = 0;
  const long long step = progress_.step + 1;  // progress().step once this batch is done
  if (count == 0) {                           // an empty slice: a zero gradient, no step
    if (dynamics_.due(step)) record_dynamics(step, 0, 0);
    return 0;
  }
  const int capacity = config_.batch_size;
  const float scale = gradient_factor(config_.gradient, count);
  const auto l2 = static_cast<float>(config_.l2);
  const bool pieces = count > capacity;
  const bool clip = config_.optimizer.clip_norm > 0;
  const bool deferred = pieces || clip;  // the step after the whole gradient, not in step_tiles' tiles
  const auto& weight_tiles = net_.weight_tiles();
  const std::int32_t* batch = samples;  // the current piece's samples
  bool first_piece = true;
  const auto gather = [&](int t, int) {
    const Network<float>::Columns c = net_.sample_tile(t);
    gather_batch(*train_, batch + c.begin, x_.middleCols(c.begin, c.count), y_.middleCols(c.begin, c.count));
  };
  const auto score = [&](int t, int) {
    const Network<float>::Columns c = net_.sample_tile(t);
    const auto p = net_.probabilities_tile(t);
    int right = 0;
    for (int j = 0; j < c.count; ++j) {
      Eigen::Index best = 0;
      p.col(j).maxCoeff(&best);
      right += best == train_->labels[static_cast<std::size_t>(batch[c.begin + j])];
    }
    tile_correct_[static_cast<std::size_t>(t)] = right;
    if (recording_) measure_sample_tile(t);
  };
  const auto update = [&](int t, int) {
    if (!deferred) {
      step_weight_tile(t, net_.gradients());
      return;
    }
    if (!pieces) return;  // clipping one piece: its gradient stays in net_.gradients()
    const auto& tile = weight_tiles[static_cast<std::size_t>(t)];
    auto sum = gradient_sum_.segment(tile.offset, tile.size);
    const auto g = net_.gradients().segment(tile.offset, tile.size);
    if (first_piece)
      sum = g;
    else
      sum += g;
  };
  const Network<float>::StepHooks hooks{gather, score, update};
  recording_ = dynamics_.due(step);
  if (recording_) std::fill(layer_moments_.begin(), layer_moments_.end(), Moments{});
  double loss = 0;
  if (!deferred) optimizer_->begin_step();
  for (int done = 0; done < count; done += capacity) {
    const int b = std::min(capacity, count - done);
    batch = samples + done;
    first_piece = done == 0;
    const Eigen::Ref<const Matrix<float>> x = x_.leftCols(b);  // (in, b)
    const Eigen::Ref<const Matrix<float>> y = y_.leftCols(b);  // (out, b)
    const double piece = timed([&] {
      return net_.step_tiles(x, y, scale, first_piece ? l2 : 0.0f, pool_, hooks);  // λW once per step
    });
    if (!std::isfinite(piece))
      diverged("the loss became " + std::string(std::isnan(piece) ? "NaN" : "infinite"));
    for (int t = 0; t < net_.sample_tiles(); ++t) correct += tile_correct_[static_cast<std::size_t>(t)];
    loss += piece;
    if (recording_)  // the piece's activation moments, tile after tile
      for (int t = 0; t < net_.sample_tiles(); ++t)
        for (int k = 0; k < net_.layer_count(); ++k)
          layer_moments_[static_cast<std::size_t>(k)].add(
              tile_moments_[static_cast<std::size_t>(t * net_.layer_count() + k)]);
  }
  if (deferred) {
    Vector<float>& grads = pieces ? gradient_sum_ : net_.gradients();
    if (clip) clip_gradient(grads);
    optimizer_->begin_step();
    run_tasks(static_cast<int>(weight_tiles.size()), [&](int t, int) { step_weight_tile(t, grads); });
  }
  if (recording_) record_dynamics(step, count, loss);
  recording_ = false;
  return loss;
}

void Trainer::clip_gradient(Vector<float>& grads) {
  const auto& tiles = net_.weight_tiles();
  run_tasks(static_cast<int>(tiles.size()), [&](int t, int) {  // each tile's Σ g² in float, summed in double
    const auto& tile = tiles[static_cast<std::size_t>(t)];
    tile_squares_[static_cast<std::size_t>(t)] = grads.segment(tile.offset, tile.size).squaredNorm();
  });
  double squares = 0;
  for (double s : tile_squares_) squares += s;  // in tile order: the same on any thread count
  const double factor = clip_factor(std::sqrt(squares), config_.optimizer.clip_norm);
  if (factor == 1.0) return;
  const auto scale = static_cast<float>(factor);
  run_tasks(static_cast<int>(tiles.size()), [&](int t, int) {
    const auto& tile = tiles[static_cast<std::size_t>(t)];
    grads.segment(tile.offset, tile.size) *= scale;
  });
}

// ---- Dynamics -------------------------------------------------------------------

void Trainer::Moments::add(const Moments& other) {
  if (other.n == 0) return;
  const double total = n + other.n, delta = other.mean - mean;
  mean += delta * other.n / total;
  m2 += other.m2 + delta * delta * n * other.n / total;
  saturated += other.saturated;
  n = total;
}

void Trainer::step_weight_tile(int t, const Vector<float>& grads) {
  const auto& tile = net_.weight_tiles()[static_cast<std::size_t>(t)];
  Vector<float>& params = net_.parameters();
  if (!recording_) {
    optimizer_->step_segment(params, grads, tile.offset, tile.size);
    return;
  }
  // The update is elementwise (optimizer.hpp), so stepping the tile's range
  // in pieces gives the same values, and leaves room to keep each piece's old
  // weights on the stack for ΔW. Bit for bit the same, too: Eigen computes an
  // element of an unaligned range in a SIMD packet or alone depending only on
  // its address (alone before the first aligned element and after the last
  // whole packet), and some packet functions round differently from their
  // scalar ones (sqrt under EIGEN_FAST_MATH). Pieces that end on multiples of
  // kPiece elements from the vector's aligned start end on packet boundaries,
  // so every element is computed the way one call on the whole range would.
  constexpr Eigen::Index kPiece = 1024;  // a multiple of every packet size (16 floats at most); 4 KB of stack
  std::array<float, kPiece> old;
  const Eigen::Index weights_end =
      tile.offset + static_cast<Eigen::Index>(tile.count) * net_.layer(tile.layer).outputs();
  const Eigen::Index end = tile.offset + tile.size;  // ∇b follows on a layer's last tile
  WeightSums& sums = weight_sums_[static_cast<std::size_t>(t)];
  sums = {};
  for (Eigen::Index begin = tile.offset; begin < end;) {
    const Eigen::Index stop = std::min(end, (begin / kPiece + 1) * kPiece);
    const Eigen::Index length = stop - begin;
    const Eigen::Index n =
        std::clamp<Eigen::Index>(weights_end - begin, 0, length);  // weights in [begin, stop)
    Eigen::Map<Vector<float>> before(old.data(), length);
    before = params.segment(begin, length);
    optimizer_->step_segment(params, grads, begin, length);
    // Each piece's sums in float (≤ 1024 terms, in cache), added up in double.
    if (n > 0) {
      sums.gradient += grads.segment(begin, n).squaredNorm();
      sums.weight += before.head(n).squaredNorm();
      sums.update += (params.segment(begin, n) - before.head(n)).squaredNorm();
    }
    if (n < length) {  // the layer's biases
      sums.bias_gradient += grads.segment(begin + n, length - n).squaredNorm();
      sums.bias_update += (params.segment(begin + n, length - n) - before.tail(length - n)).squaredNorm();
    }
    begin = stop;
  }
}

void Trainer::measure_sample_tile(int t) {
  const Network<float>::Columns c = net_.sample_tile(t);
  const int layers = net_.layer_count();
  const Activation kind = net_.architecture().hidden;
  const auto limit = static_cast<float>(kSaturationDerivative);
  // h: (out_k, count), h_k of a hidden layer or ŷ of the output layer.
  const auto measure = [&](const auto& h, bool output, Moments& m) {
    // In float within the tile (≤ 32 columns, two passes), combined across tiles in double.
    m.n = static_cast<double>(h.size());
    const float mean = h.sum() / static_cast<float>(h.size());
    m.mean = mean;
    m.m2 = (h.array() - mean).square().sum();
    const auto a = h.array();
    if (output || kind == Activation::Sigmoid)
      m.saturated = static_cast<double>((a * (1 - a) < limit).count());  // σ' = h (1 − h)
    else if (kind == Activation::Tanh)
      m.saturated = static_cast<double>((1 - a.square() < limit).count());  // tanh' = 1 − h²
    else
      m.saturated = static_cast<double>((a <= 0.0f).count());  // ReLU: off
  };
  for (int k = 0; k < layers; ++k) {
    Moments& m = tile_moments_[static_cast<std::size_t>(t * layers + k)];
    if (k + 1 < layers)
      measure(net_.activations(k).middleCols(c.begin, c.count), false, m);
    else
      measure(net_.probabilities_tile(t), true, m);
  }
}

void Trainer::record_dynamics(long long step, int count, double loss) {
  StepDynamics totals;
  totals.batch_size = count;
  if (count == 0) {  // an empty slice: nothing computed, nothing moved
    totals.loss = NAN;
    LayerDynamics* row = dynamics_.push(step, totals);
    for (int k = 0; k < net_.layer_count(); ++k) row[k] = {0, 0, NAN, NAN, NAN};
    return;
  }
  double gradient = 0, update = 0;
  for (const WeightSums& w : weight_sums_) {
    gradient += w.gradient + w.bias_gradient;
    update += w.update + w.bias_update;
  }
  totals.loss = static_cast<float>(loss / count);
  totals.grad_norm = static_cast<float>(std::sqrt(gradient));
  totals.step_norm = static_cast<float>(std::sqrt(update));
  LayerDynamics* row = dynamics_.push(step, totals);
  const auto& tiles = net_.weight_tiles();
  for (int k = 0; k < net_.layer_count(); ++k) {
    WeightSums sums;
    for (std::size_t t = 0; t < tiles.size(); ++t)  // in tile order
      if (tiles[t].layer == k) {
        sums.gradient += weight_sums_[t].gradient;
        sums.update += weight_sums_[t].update;
        sums.weight += weight_sums_[t].weight;
      }
    const Moments& m = layer_moments_[static_cast<std::size_t>(k)];
    LayerDynamics& d = row[k];
    d.grad_norm = static_cast<float>(std::sqrt(sums.gradient));
    d.update_ratio = sums.weight > 0   ? static_cast<float>(std::sqrt(sums.update / sums.weight))
                     : sums.update > 0 ? INFINITY
                                       : 0.0f;
    d.activation_mean = static_cast<float>(m.mean);
    d.activation_std = static_cast<float>(std::sqrt(m.m2 / m.n));
    d.saturated = static_cast<float>(m.saturated / m.n);
  }
}

ChunkResult Trainer::train_batches(int max_batches) {
  if (!train_) throw Error("no training data: load a dataset first");
  if (max_batches < 1) throw ConfigError("the number of batches must be at least 1");
  snapshot();
  if (progress_.epoch_rng_state.empty()) draw_epoch_order();
  records_.clear();
  records_.reserve(static_cast<std::size_t>(std::min(max_batches, batches_per_epoch())));  // not 1e9 records

  const int per_epoch = batches_per_epoch();
  ChunkResult result;
  parallel_seconds_ = 0;
  double loss_sum = 0;
  long long correct_sum = 0;
  int last_epoch = progress_.epoch, last_batch = progress_.batch_in_epoch;  // of the chunk's last batch
  while (result.batches < max_batches) {
    last_epoch = progress_.epoch;
    last_batch = progress_.batch_in_epoch;
    const BatchSpan span =
        batch_span(config_.batching, order_, identity_, progress_.batch_in_epoch, config_.batch_size);
    int correct = 0;
    const double loss = train_batch(span.samples, span.count, correct);
    const auto b = static_cast<float>(span.count);
    records_.push_back(span.count ? BatchRecord{static_cast<float>(loss) / b, static_cast<float>(correct) / b}
                                  : BatchRecord{NAN, NAN});
    loss_sum += loss;
    correct_sum += correct;
    result.samples += span.count;
    ++result.batches;
    ++progress_.step;
    if (++progress_.batch_in_epoch == per_epoch) {
      ++progress_.epoch;
      progress_.batch_in_epoch = 0;
      progress_.epoch_rng_state.clear();
      result.epoch_finished = true;
      break;
    }
  }
  if (!parameters_finite()) {
    // Checked once per chunk: name the last batch trained, not the next one.
    progress_.epoch = last_epoch;
    progress_.batch_in_epoch = last_batch;
    diverged("a weight became NaN or infinite");
  }
  if (result.samples > 0) {
    result.loss = loss_sum / static_cast<double>(result.samples);
    result.accuracy = static_cast<double>(correct_sum) / static_cast<double>(result.samples);
  }
  result.records = &records_;
  result.parallel_ms = parallel_seconds_ * 1000;
  return result;
}

void Trainer::check_fits(const Dataset& data) const {
  if (data.features() != net_.input_size())
    throw Error("images have " + std::to_string(data.features()) + " pixels, the network expects " +
                std::to_string(net_.input_size()));
  if (data.num_classes > net_.output_size())  // labels index the one-hot rows and the confusion matrix
    throw Error("the data has " + std::to_string(data.num_classes) + " classes, the network only " +
                std::to_string(net_.output_size()) + " outputs");
}

Evaluation Trainer::evaluate(const Dataset& data) {
  check_fits(data);
  return mlp::evaluate(net_, data, std::max(config_.batch_size, 1000), -1, pool_);
}

Evaluation Trainer::evaluate_training(int count) {
  if (!train_) throw Error("no training data: load a dataset first");
  const int n = count < 0 ? training_size() : std::min(count, training_size());
  return mlp::evaluate(net_, *train_, std::max(config_.batch_size, 1000), n, pool_);
}

Predictions Trainer::predict_dataset(const Dataset& data) {
  check_fits(data);
  return mlp::predict_dataset(net_, data, std::max(config_.batch_size, 1000), pool_);
}

Matrix<float> Trainer::predict(const Eigen::Ref<const Matrix<float>>& x) {
  if (x.rows() != net_.input_size())
    throw Error("an image has " + std::to_string(x.rows()) + " pixels, the network expects " +
                std::to_string(net_.input_size()));
  return mlp::predict(net_, x, std::max(config_.batch_size, 1000), pool_);
}

BackpropTrace Trainer::trace_backprop(const Eigen::Ref<const Vector<float>>& x, int label,
                                      const TraceOptions& options) const {
  return mlp::trace_backprop(state_view(), x, label, options);
}

TrainerState Trainer::state() const {
  TrainerState s;
  s.config = config_;
  s.parameters = net_.parameters();
  for (const auto& [name, vec] : optimizer_state_) s.optimizer_state.emplace_back(name, *vec);
  s.optimizer_steps = optimizer_->steps();
  s.progress = progress_;
  s.progress.rng_state = rng_.state_hex();
  return s;
}

TrainerStateView Trainer::state_view() const {
  TrainerStateView s{&config_, &net_.parameters(), {}, optimizer_->steps(), progress_};
  for (const auto& [name, vec] : optimizer_state_) s.optimizer_state.emplace_back(name, vec);
  s.progress.rng_state = rng_.state_hex();
  return s;
}

}  // namespace mlp
