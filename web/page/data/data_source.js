// Which data the worker trains on, and getting it there: MNIST (the site's
// copy, downloaded by the worker) or the user's own IDX files, which are
// checked before they are read (upload_checks.js) and kept in memory and in
// IndexedDB, so that a new worker or a reload trains on them again. What is
// loaded reaches the store as the worker's dataReady event, with the ref
// this module expects (store.expectData).
import { MNIST_FILES } from '../../shared/mnist_files.js';
import * as storage from '../runs/storage.js';
import { readIdxSet } from './upload_checks.js';

/**
 * @import { SessionStore, DataRef } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 */
/** @typedef {{ ref: DataRef, files: Record<string, Blob & { name?: string }>, validation: number }} UserData */

/** The same data? (a model saved on one is only restored on it) */
export const sameData = (a, b) => Boolean(a && b && a.kind === b.kind && a.id === b.id);

/** How the page names a data set: "your IDX files (a, b, c, d)" or MNIST's name. */
export const describeRef = (ref) =>
  ref?.kind === 'idx' ? `your IDX files (${Object.values(ref.names ?? {}).join(', ')})` : (ref?.id ?? 'MNIST');

export class DataSource {
  #store;
  #client;
  /** @type {UserData | null} the user's files in use, for a new worker */
  #userData = null;

  /** @param {{ store: SessionStore, client: WorkerClient }} parts */
  constructor({ store, client }) {
    this.#store = store;
    this.#client = client;
  }

  /**
   * The worker is ready: load the data the saved model belongs to (wanted: its DataRef) — the user's files
   * from memory (after a crash) or IndexedDB (after a reload) — or MNIST. Returns what could not be loaded
   * again ({ problem, wanted }), or null.
   * @param {DataRef | null} wanted
   */
  async loadInitial(wanted) {
    let problem = null;
    if (wanted?.kind === 'idx') {
      let user = sameData(this.#userData?.ref, wanted) ? this.#userData : null;
      if (!user) user = await storage.getKey('userData').catch(() => null);
      if (sameData(user?.ref, wanted)) {
        try {
          await this.#load(user);
          return null;
        } catch (err) {
          problem = `Your files could not be loaded again: ${err.message}`;
        }
      } else {
        problem = `Your saved model was trained on ${describeRef(wanted)}, which this browser did not keep: load them again here to go on with it.`;
      }
    }
    this.loadMnist();
    return problem ? { problem, wanted } : null;
  }

  loadMnist() {
    this.#userData = null;
    this.#client.send('loadMnist');
  }

  /**
   * The user's own files: checked, read, loaded by the worker, kept for a reload. Resolves with a note
   * when they could not be kept (they are in use anyway); throws what is wrong with them.
   * @param {Record<string, File>} files by role (MNIST_FILES)
   * @param {number} validation training images held out
   * @returns {Promise<string | null>}
   */
  async loadFiles(files, validation) {
    const names = Object.fromEntries(Object.entries(files).map(([role, f]) => [role, f.name]));
    /** @type {DataRef} */
    const ref = { kind: 'idx', id: `idx-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, names, validation };
    await this.#load({ ref, files, validation });
    // Kept for a reload; without room the page still trains on them, and says so.
    return storage.setKey('userData', { ref, files, validation }).then(
      () => null,
      (err) => `Loaded, but this browser could not keep the files for a reload: ${err.message}.`,
    );
  }

  // Checks and reads the files (upload_checks.js), then has the worker load them. Throws what is wrong.
  /** @param {UserData} user */
  async #load(user) {
    const label = (role) =>
      `${MNIST_FILES.find((f) => f.role === role).label} (${user.files[role].name ?? (user.ref.kind === 'idx' ? user.ref.names[role] : role)})`;
    const raw = await readIdxSet(
      Object.fromEntries(Object.entries(user.files).map(([role, file]) => [role, { file, label: label(role) }])),
    );
    if (this.#store.train.state === 'running') this.#client.send('pause');
    const payload = { validation: user.validation };
    for (const [role, bytes] of Object.entries(raw)) payload[role] = bytes.buffer;
    const previous = this.#userData;
    this.#userData = user;
    this.#store.expectData(user.ref);
    try {
      await this.#client.request('loadIdx', /** @type {any} */ (payload));
    } catch (err) {
      this.#userData = previous;
      this.#store.expectData(null);
      throw err;
    }
  }
}
