#pragma once
// Which configurations are worth their cost: the Pareto front of points
// (cost, value), lower cost and higher value better, and its knee, where
// spending more stops paying. Costs are whatever the caller compares
// (FLOPs, parameters, seconds); values e.g. test accuracy.
#include <vector>

namespace mlp {

struct ParetoPoint {
  double cost;
  double value;
};

// Indices into `points` of the non-dominated ones, by increasing cost. A
// point is dominated when another has cost ≤ and value ≥, one of them
// strictly; of equal points only the first is kept. Every cost and value
// must be finite (Error otherwise).
std::vector<int> pareto_front(const std::vector<ParetoPoint>& points);

struct Knee {
  int index = -1;                     // into `points`; -1 when the front has fewer than 2 points
  double gain_per_doubling_next = 0;  // what the step from it to the next front point pays (NaN: none)
};

// Walking `front` (from pareto_front(points)) by increasing cost, the point
// after which the next one buys less than `min_gain_per_doubling` value per
// doubling of cost: (value₂ − value₁) / log₂(cost₂ / cost₁). When every step
// pays, the last point (gain NaN). Front costs must be > 0 (Error otherwise).
Knee knee(const std::vector<ParetoPoint>& points, const std::vector<int>& front,
          double min_gain_per_doubling);

}  // namespace mlp
