// How often the worker measures the layers' health after an epoch
// (worker/inspection.js), and what the page says it measured
// (page/inside/health_view.js): epochs of a small data set end hundreds of
// times a second, so health after an epoch is computed at most this often,
// and after the epoch training stops at whatever the time.
export const HEALTH_INTERVAL_MS = 250;
