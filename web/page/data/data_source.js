// Which data the worker trains on, and getting it there: MNIST (the site's
// copy, downloaded by the worker) or the user's own files — four IDX files, a
// CSV in Kaggle's MNIST layout (and one for testing), or a zip of image
// folders — which are checked before they are read (upload_checks.js), sent
// to the worker (which converts CSV and images to IDX: worker/csv_data.js,
// worker/image_folders.js) and kept in memory and in IndexedDB, so that a new
// worker or a reload reads them again, the same way. What is loaded reaches
// the store as the worker's dataReady event, with the ref this module expects
// (store.expectData).
import { MNIST_FILES } from '../../shared/mnist_files.js';
import * as storage from '../runs/storage.js';
import { readCsvFile, readIdxSet, readZipFile } from './upload_checks.js';

/**
 * @import { SessionStore, DataRef } from '../app/session_store.js'
 * @import { WorkerClient } from '../app/worker_client.js'
 * @import { DataReportValue } from '../../shared/protocol.js'
 */
/**
 * The user's files and how they were loaded (validation: IDX files' hold-out; CSV and zip hold theirs
 * in the ref).
 * @typedef {{ ref: DataRef, files: Record<string, Blob & { name?: string }>, validation?: number }} UserData
 */
/** The held-out shares of a CSV or zip (fractions of 1). @typedef {{ testShare: number, validationShare: number }} Shares */

/** The same data? (a model saved on one is only restored on it) */
export const sameData = (a, b) => Boolean(a && b && a.kind === b.kind && a.id === b.id);

const WHAT = { idx: 'your IDX files', csv: 'your CSV', zip: 'your images' };

/** How the page names a data set: "your IDX files (a, b, c, d)", "your images (shapes.zip)" or MNIST's name. */
export const describeRef = (ref) =>
  WHAT[ref?.kind] ? `${WHAT[ref.kind]} (${Object.values(ref.names ?? {}).join(', ')})` : (ref?.id ?? 'MNIST');

const newId = (kind) => `${kind}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

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
    if (wanted && wanted.kind !== 'mnist') {
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
   * The user's own IDX files: checked, read, loaded by the worker, kept for a reload. Resolves with a note
   * when they could not be kept (they are in use anyway); throws what is wrong with them.
   * @param {Record<string, File>} files by role (MNIST_FILES)
   * @param {number} validation training images held out
   * @returns {Promise<string | null>}
   */
  async loadFiles(files, validation) {
    const names = Object.fromEntries(Object.entries(files).map(([role, f]) => [role, f.name]));
    /** @type {DataRef} */
    const ref = { kind: 'idx', id: newId('idx'), names, validation };
    const user = { ref, files, validation };
    await this.#load(user);
    return this.#keep(user);
  }

  /**
   * A CSV of labelled images (Kaggle's MNIST layout), and one to test on or a share of its rows held out:
   * checked, sent to the worker, which converts them, kept for a reload. Resolves with what was kept and
   * skipped and a note when the files could not be kept; throws what is wrong.
   * @param {{ train: File, test?: File }} files
   * @param {Shares} shares
   * @returns {Promise<{ report: DataReportValue, note: string | null }>}
   */
  async loadCsv(files, shares) {
    const names = Object.fromEntries(Object.entries(files).map(([role, f]) => [role, f.name]));
    /** @type {DataRef} */
    const ref = { kind: 'csv', id: newId('csv'), names, ...shares };
    const user = { ref, files };
    const report = await this.#load(user);
    return { report, note: await this.#keep(user) };
  }

  /**
   * A zip of images in one folder per class: checked, sent to the worker, which converts them, kept for a
   * reload. Resolves as loadCsv.
   * @param {File} zip
   * @param {Shares} shares
   * @returns {Promise<{ report: DataReportValue, note: string | null }>}
   */
  async loadZip(zip, shares) {
    /** @type {DataRef} */
    const ref = { kind: 'zip', id: newId('zip'), names: { zip: zip.name }, ...shares };
    const user = { ref, files: { zip } };
    const report = await this.#load(user);
    return { report, note: await this.#keep(user) };
  }

  /** Keeps the user's files for a reload; without room the page still trains on them, and says so. */
  #keep(user) {
    return storage.setKey('userData', user).then(
      () => null,
      (err) => `Loaded, but this browser could not keep the files for a reload: ${err.message}.`,
    );
  }

  // Checks and reads the files (upload_checks.js), then has the worker load them. Throws what is wrong;
  // resolves with the worker's report (CSV, zip) or null (IDX).
  /**
   * @param {UserData} user
   * @returns {Promise<DataReportValue | null>}
   */
  async #load(user) {
    const { ref, files } = user;
    const names = ref.kind === 'mnist' ? {} : ref.names;
    const fileName = (role) => files[role].name ?? names[role] ?? role;
    let ask;
    if (ref.kind === 'csv' || ref.kind === 'zip') {
      const shares = { testShare: ref.testShare, validationShare: ref.validationShare };
      if (ref.kind === 'csv') {
        const train = await readCsvFile(files.train, fileName('train'));
        const test = files.test ? await readCsvFile(files.test, fileName('test')) : undefined;
        const payload = { train, trainName: fileName('train'), test, testName: test && fileName('test'), ...shares };
        ask = () => this.#client.request('loadCsv', payload);
      } else {
        const zip = await readZipFile(files.zip, fileName('zip'));
        ask = () => this.#client.request('loadImageZip', { zip, name: fileName('zip'), ...shares });
      }
    } else {
      const label = (role) => `${MNIST_FILES.find((f) => f.role === role).label} (${fileName(role)})`;
      const raw = await readIdxSet(
        Object.fromEntries(Object.entries(files).map(([role, file]) => [role, { file, label: label(role) }])),
      );
      const payload = { validation: user.validation };
      for (const [role, bytes] of Object.entries(raw)) payload[role] = bytes.buffer;
      ask = () => this.#client.request('loadIdx', /** @type {any} */ (payload));
    }
    if (this.#store.train.state === 'running') this.#client.send('pause');
    const previous = this.#userData;
    this.#userData = user;
    this.#store.expectData(ref);
    try {
      return await ask();
    } catch (err) {
      this.#userData = previous;
      this.#store.expectData(null);
      throw err;
    }
  }
}
