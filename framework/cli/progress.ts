import cliProgress from 'cli-progress';
import type { JobProgress } from '../runner/options.ts';

const pct = (f: number): string => `${Math.floor(f * 100)}%`;

function mbps(p: JobProgress): string {
  return p.elapsedMs > 0 ? ((p.bytesRead / 1024 / 1024) / (p.elapsedMs / 1000)).toFixed(1) : '0.0';
}

/** Shows job progress: a bar on a TTY, otherwise a plain line every few seconds (like Hadoop's client). */
export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private lastLine = 0;
  private lastText = '';

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 2000,
  ) {
    if (stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          stream,
          format: '{step} map {map} reduce {reduce} [{bar}] maps {maps} reduces {reduces} | {mbps} MB/s',
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(100, 0, { step: '', map: '0%', reduce: '0%', maps: '0/0', reduces: '0/0', mbps: '0.0' });
    }
  }

  update(p: JobProgress): void {
    const fields = {
      step: p.steps > 1 ? `step ${p.step + 1}/${p.steps}` : '',
      map: pct(p.map.fraction),
      reduce: pct(p.reduce.fraction),
      maps: `${p.map.done}/${p.map.total}`,
      reduces: `${p.reduce.done}/${p.reduce.total}`,
      mbps: mbps(p),
    };
    if (this.bar) {
      const overall = p.reduce.total ? (p.map.fraction + p.reduce.fraction) / 2 : p.map.fraction;
      this.bar.update(Math.floor(((p.step + overall) / p.steps) * 100), fields);
      return;
    }
    const text = `${fields.step ? `${fields.step} ` : ''}map ${fields.map} reduce ${fields.reduce} (maps ${fields.maps}, reduces ${fields.reduces}, ${fields.mbps} MB/s)`;
    const now = Date.now();
    const finished = p.map.done === p.map.total && p.reduce.done === p.reduce.total;
    if (text !== this.lastText && (now - this.lastLine >= this.intervalMs || finished)) {
      this.stream.write(`${text}\n`);
      this.lastLine = now;
      this.lastText = text;
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
