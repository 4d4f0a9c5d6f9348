import { servingIndexRoot } from '../../serving/mirror.ts';
import { tableStatus } from '../../serving/status.ts';
import type { StatusArgs } from './command.ts';

/** Print `{"<table>": {"status": ..., "generationId": N, "partitions": [...]}}` on one line. */
export async function statusHandler(args: StatusArgs): Promise<number> {
  const status = tableStatus(await servingIndexRoot(args.table, args['index-root'], (l) => process.stderr.write(`${l}\n`)), args.table);
  if (status.reason) process.stderr.write(`bsctl: status: ${status.reason}\n`);
  const { reason: _reason, ...shown } = status;
  process.stdout.write(`${JSON.stringify({ [args.table]: shown })}\n`);
  return 0;
}
