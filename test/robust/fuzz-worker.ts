/** A fuzz worker thread: runs every n-th case of a seed (see fuzz.test.ts) and posts the result. */
import { parentPort, workerData } from 'node:worker_threads';
import { failureReport, loadPool, runCases } from './fuzz-cases';

export interface WorkerTask {
  seed: number;
  /** This worker runs the cases i with i % workers === worker. */
  worker: number;
  workers: number;
  cases: number;
}

async function main(task: WorkerTask): Promise<void> {
  const pool = await loadPool();
  const indices = function* () {
    for (let i = task.worker; i < task.cases; i += task.workers) yield i;
  };
  parentPort!.postMessage(runCases(task.seed, indices(), pool, (c, problems, previous) => failureReport(task.seed, c, problems, previous)));
}

void main(workerData as WorkerTask);
