#include "pareto.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "errors.hpp"

namespace mlp {

std::vector<int> pareto_front(const std::vector<ParetoPoint>& points) {
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!std::isfinite(points[i].cost) || !std::isfinite(points[i].value))
      throw Error("point " + std::to_string(i) + " has a cost or value that is not a finite number");
  std::vector<int> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  // Cheapest first; at equal cost the best value first; equal points in their order.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const ParetoPoint &p = points[static_cast<std::size_t>(a)], &q = points[static_cast<std::size_t>(b)];
    return p.cost < q.cost || (p.cost == q.cost && p.value > q.value);
  });
  std::vector<int> front;
  for (int i : order)  // kept when it beats every cheaper (or as cheap, earlier) point's value
    if (front.empty() ||
        points[static_cast<std::size_t>(i)].value > points[static_cast<std::size_t>(front.back())].value)
      front.push_back(i);
  return front;
}

Knee knee(const std::vector<ParetoPoint>& points, const std::vector<int>& front,
          double min_gain_per_doubling) {
  if (!std::isfinite(min_gain_per_doubling))
    throw Error("the least gain per doubling must be a finite number");
  for (int i : front)
    if (i < 0 || i >= static_cast<int>(points.size()))
      throw Error("front index " + std::to_string(i) + " is not a point (there are " +
                  std::to_string(points.size()) + ")");
    else if (!(points[static_cast<std::size_t>(i)].cost > 0))
      throw Error("point " + std::to_string(i) + " has cost " +
                  std::to_string(points[static_cast<std::size_t>(i)].cost) +
                  ": a knee needs costs > 0 (gain is per doubling of cost)");
  if (front.size() < 2) return {};
  for (std::size_t k = 0; k + 1 < front.size(); ++k) {
    const ParetoPoint &p = points[static_cast<std::size_t>(front[k])],
                      &q = points[static_cast<std::size_t>(front[k + 1])];
    const double gain = (q.value - p.value) / std::log2(q.cost / p.cost);
    if (gain < min_gain_per_doubling) return {front[k], gain};
  }
  return {front.back(), NAN};
}

}  // namespace mlp
