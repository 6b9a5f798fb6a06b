// The engine's analysis for the study views (the worker's `analyse` request):
// where an accuracy curve spikes (by the engine's rule, store.engine.spikeRule),
// what a network costs to train, and which of a set of cost–value points are
// on the Pareto front with its knee. Views ask with their data and get
// promises; no DOM here.
//
// Each answer is cached by its input (a curve, a list of layer sizes, a set
// of points with the gain asked for), so a view that redraws with the same
// data asks nothing; the worker's answers are pure functions of their input.
// At most one request per kind is in flight: what is asked meanwhile waits,
// and goes in one request when it comes back (the curves and layer lists of
// every waiting call together; Pareto sets one after another). A failed
// request rejects its callers and caches nothing.

/**
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { ParetoKneeValue, ParetoPointValue, RequestPayload, AnswerOf, SpikeValue, TrainingCostValue }
 *   from '../../shared/protocol.js'
 */
/**
 * The worker's analysis of a set of points: the indices of those on the Pareto front (cheapest first, as
 * the engine orders them) and its knee.
 * @typedef {{ front: number[], knee: ParetoKneeValue }} ParetoAnswer
 */
/** @typedef {{ points: ParetoPointValue[], minGainPerDoubling: number }} ParetoQuestion */
/**
 * How a kind of question becomes a request and its answer the values of its items.
 * @template I, V
 * @typedef {object} Kind
 * @property {boolean} batch the items of every waiting call go in one request
 * @property {(items: I[]) => RequestPayload<'analyse'>} payload
 * @property {(answer: AnswerOf<'analyse'>) => V[]} values one per item, in order
 */

/** Answers kept per kind (the oldest go first). */
export const MAX_CACHED = 2000;

/** @type {Kind<number[], SpikeValue[]>} */
const SPIKES = { batch: true, payload: (spikes) => ({ spikes }), values: (a) => a.spikes ?? [] };
/** @type {Kind<number[], TrainingCostValue>} */
const COSTS = { batch: true, payload: (costs) => ({ costs }), values: (a) => a.costs ?? [] };
/** @type {Kind<ParetoQuestion, ParetoAnswer>} */
const PARETO = {
  batch: false,
  payload: ([pareto]) => ({ pareto }),
  values: (a) => (a.pareto ? [{ front: Array.from(a.pareto.front), knee: a.pareto.knee }] : []),
};

/**
 * One kind's state: answers by key, the promise of each item asked and not yet answered, the items
 * waiting for the next request, and whether one is in flight.
 * @template I, V
 */
class Asker {
  /** @type {Map<string, V>} */
  cache = new Map();
  /** @type {Map<string, Promise<V>>} */
  pending = new Map();
  /** @type {Map<string, { item: I, resolve: (v: V) => void, reject: (err: unknown) => void }>} */
  waiting = new Map();
  inFlight = false;

  /** @param {Kind<I, V>} kind @param {(payload: RequestPayload<'analyse'>) => Promise<AnswerOf<'analyse'>>} ask */
  constructor(kind, ask) {
    this.kind = kind;
    this.ask = ask;
  }

  /** The values of `items`, from the cache or the worker. @param {I[]} items @returns {Promise<V[]>} */
  values(items) {
    const promises = items.map((item) => this.#value(item));
    this.#pump();
    return Promise.all(promises);
  }

  /** @param {I} item @returns {Promise<V>} */
  #value(item) {
    const key = JSON.stringify(item);
    if (this.cache.has(key)) return Promise.resolve(/** @type {V} */ (this.cache.get(key)));
    const known = this.pending.get(key);
    if (known) return known;
    /** @type {Promise<V>} */
    const promise = new Promise((resolve, reject) => this.waiting.set(key, { item, resolve, reject }));
    this.pending.set(key, promise);
    return promise;
  }

  // Sends what waits (all of it, or the first item for a kind that does not batch) unless a request is out.
  #pump() {
    if (this.inFlight || this.waiting.size === 0) return;
    const keys = this.kind.batch ? [...this.waiting.keys()] : [this.waiting.keys().next().value];
    const asked = keys.map((key) => [key, this.waiting.get(key)]);
    for (const key of keys) this.waiting.delete(key);
    this.inFlight = true;
    this.ask(this.kind.payload(asked.map(([, w]) => w.item)))
      .then((answer) => {
        const values = this.kind.values(answer);
        if (values.length !== asked.length)
          throw new Error(`the engine answered ${values.length} of ${asked.length} questions`);
        asked.forEach(([key, w], i) => {
          this.#remember(key, values[i]);
          w.resolve(values[i]);
        });
      })
      .catch((err) => asked.forEach(([, w]) => w.reject(err)))
      .finally(() => {
        for (const [key] of asked) this.pending.delete(key);
        this.inFlight = false;
        this.#pump();
      });
  }

  /** @param {string} key @param {V} value */
  #remember(key, value) {
    this.cache.set(key, value);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value);
  }
}

export class Analysis {
  #spikes;
  #costs;
  #pareto;

  /** @param {{ client: Pick<WorkerClient, 'request'> }} parts */
  constructor({ client }) {
    const ask = (/** @type {RequestPayload<'analyse'>} */ payload) => client.request('analyse', payload);
    this.#spikes = new Asker(SPIKES, ask);
    this.#costs = new Asker(COSTS, ask);
    this.#pareto = new Asker(PARETO, ask);
  }

  /**
   * The spikes of each accuracy curve (one accuracy per epoch, as fractions), by the engine's rule:
   * per curve, [{ epoch, change }].
   * @param {number[][]} curves
   * @returns {Promise<SpikeValue[][]>}
   */
  spikes(curves) {
    return this.#spikes.values(curves.map((c) => Array.from(c)));
  }

  /**
   * What training each network costs: per list of layer sizes, { parameters, flopsPerSample }.
   * @param {number[][]} layersList
   * @returns {Promise<TrainingCostValue[]>}
   */
  costs(layersList) {
    return this.#costs.values(layersList.map((l) => Array.from(l)));
  }

  /**
   * The Pareto front of cost–value points (lower cost, higher value) and its knee: the point after which
   * doubling the cost gains less than minGainPerDoubling.
   * @param {ParetoPointValue[]} points
   * @param {number} minGainPerDoubling
   * @returns {Promise<ParetoAnswer>}
   */
  async pareto(points, minGainPerDoubling) {
    const question = { points: points.map(({ cost, value }) => ({ cost, value })), minGainPerDoubling };
    const [answer] = await this.#pareto.values([question]);
    return answer;
  }
}
