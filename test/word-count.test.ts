import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';

const JOB = fileURLToPath(new URL('../jobs/word-count.ts', import.meta.url));

function readOutput(dir: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('part-')).sort()) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const [w, c] = line.split('\t');
      if (m.has(w!)) throw new Error(`word ${w} in two part files`);
      m.set(w!, Number(c));
    }
  }
  return m;
}

function oracle(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of text.toLowerCase().split(/\s+/)) if (w) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

const TEXT = 'The quick brown fox\njumps over the  lazy dog\r\nTHE END\té É\u00a0ünïcödé 漢字 漢字\n\nlast line no newline ΣΊΣΥΦΟΣ';

test('word-count is exact for every split size, inline runner', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-wc-'));
  const input = path.join(dir, 'in.txt');
  fs.writeFileSync(input, TEXT);
  const expected = oracle(TEXT);
  const size = Buffer.byteLength(TEXT);
  for (const splitSize of [1, 2, 3, 5, 7, 13, 64, size - 1, size, size * 10]) {
    const out = path.join(dir, `out-${splitSize}`);
    await runJob({ jobModule: JOB, input: [input], output: out, runner: 'inline', splitSize, reducers: 3 });
    t.deepEqual([...readOutput(out)].sort(), [...expected].sort(), `split size ${splitSize}`);
    t.true(fs.existsSync(path.join(out, '_SUCCESS')));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
