// The experiment queue as this browser keeps it (IndexedDB through
// storage.js's key-value store), so that a reload finds it again and resumes
// its interrupted run: the queue (its runs, their state and run record ids)
// and the last checkpoint of the run it is at, stored in one write with that
// run's record up to it, so that the curves a reload restores end where the
// model resumes. (The runs' records are also kept by runs.js like every
// other run, saved apart from the model.) Fails soft: without IndexedDB the
// queue just does not survive a reload.
//
//   'experimentQueue'       { id, experiment, readings, epochs, evaluation, createdAt, state, index,
//                             items: [{ key, reading, label, config, epochs, evaluate, runId, status }] }
//   'experimentCheckpoint'  { queueId, index, runId, bytes: ArrayBuffer, progress, runMs,
//                             run: the run record up to the checkpoint (run_record.js serialiseRun) }
import * as storage from './storage.js';

const QUEUE = 'experimentQueue';
const CHECKPOINT = 'experimentCheckpoint';

/** { queue, checkpoint } as saved (either may be null), or null when nothing can be read. */
export async function loadQueue() {
  try {
    const [queue, checkpoint] = await Promise.all([storage.getKey(QUEUE), storage.getKey(CHECKPOINT)]);
    return { queue: queue ?? null, checkpoint: checkpoint ?? null };
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

/** Saves the checkpoint of the queue's current run (the worker's checkpoint message and where it belongs); true once stored. */
export async function saveCheckpoint({ queueId, index, runId, bytes, progress, runMs, run }) {
  try {
    await storage.setKey(CHECKPOINT, { queueId, index, runId, bytes, progress, runMs, run });
    return true;
  } catch (err) {
    console.warn('could not save the experiment checkpoint', err);
    return false;
  }
}

/** The checkpoint is of no more use (the queue finished or was cancelled). */
export async function dropCheckpoint() {
  try {
    await storage.deleteKey(CHECKPOINT);
  } catch (err) {
    console.warn('could not delete the experiment checkpoint', err);
  }
}
