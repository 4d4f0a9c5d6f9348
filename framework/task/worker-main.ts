/** Local worker entry point: `node --import <tsx's loader URL> framework/task/worker-main.ts`
 * (spawned by framework/runner/worker-process.ts). */
import { runWorker } from './worker.ts';

await runWorker();
