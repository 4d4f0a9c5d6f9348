/** Local worker entry point: `node --import tsx framework/task/worker-main.ts`. */
import { runWorker } from './worker.ts';

await runWorker();
