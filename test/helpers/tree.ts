import fs from 'node:fs';
import path from 'node:path';

/** Every entry under `root`, sorted: directories as `a/b/`, files as `a/b=content` (bytes as latin1). */
export function treeListing(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(`${path.relative(root, p)}${e.isDirectory() ? '/' : `=${fs.readFileSync(p, 'latin1')}`}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}
