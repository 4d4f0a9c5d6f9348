import os from 'node:os';
import path from 'node:path';

/** Where jobs keep map outputs, intermediate data and task scratch by default: `$TMPDIR/bsctl-<uid>`. */
export function defaultWorkRoot(): string {
  return path.join(os.tmpdir(), `bsctl-${os.userInfo().uid}`);
}
