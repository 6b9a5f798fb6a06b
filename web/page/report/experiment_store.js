// The experiment queue as this browser keeps it (IndexedDB, through
// storage.js's key-value store), so that a reload finds it again and resumes
// its interrupted run. Its runs are run records of the history like any
// other, and the model of the run it was at is the page's last saved model
// (runs/persistence.js): the queue resumes from there. Fails soft: without
// IndexedDB the queue just does not survive a reload.
//
//   'experimentQueue'  { id, experiment, readings, epochs, evaluation, createdAt, state, index,
//                        items: [{ key, reading, label, config, epochs, evaluate, runId, status }] }
import * as storage from '../runs/storage.js';

const QUEUE = 'experimentQueue';

/** The queue as saved, or null (none, or nothing can be read). */
export async function loadQueue() {
  try {
    return (await storage.getKey(QUEUE)) ?? null;
  } catch (err) {
    console.warn('could not read the experiment queue', err);
    return null;
  }
}

/** Saves the queue (a plain object: see above). */
export async function saveQueue(queue) {
  try {
    await storage.setKey(QUEUE, queue);
  } catch (err) {
    console.warn('could not save the experiment queue', err);
  }
}
