// The worker's own errors. Like the engine's, each names its kind, which
// tells the worker (worker.js) that it is the user's problem, answered with a
// `failure` the page shows, and not a sign that the worker is broken.

/** An error the page is shown: a request that cannot be done as asked ('RequestError'), bad data ('DataError'). */
export class ReportedError extends Error {
  /**
   * @param {string} message
   * @param {'RequestError' | 'DataError' | string} [kind]
   */
  constructor(message, kind = 'RequestError') {
    super(message);
    this.kind = kind;
  }
}

/** True for an error the engine or the worker reported (it names its kind); anything else means the worker cannot be trusted. */
export const isReported = (err) => typeof err?.kind === 'string';
