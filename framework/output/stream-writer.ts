import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { fileSystemFor } from '../fs/resolve.ts';

const CHUNK = 256 * 1024;

/** Buffers text or bytes into large chunks for a FileSystem write stream, honouring back-pressure. */
export class StreamWriter {
  private readonly stream: Writable;
  private parts: (string | Buffer)[] = [];
  private pending = 0;
  private error: unknown;
  bytesWritten = 0;

  constructor(readonly path: string) {
    this.stream = fileSystemFor(path).create(path);
    this.stream.on('error', (e) => (this.error = e));
  }

  write(data: string | Buffer): void {
    this.parts.push(data);
    this.pending += data.length;
  }

  get buffered(): number {
    return this.pending;
  }

  async flush(force = false): Promise<void> {
    if (this.error) throw this.error;
    if (!force && this.pending < CHUNK) return;
    if (this.parts.length === 0) return;
    const chunk = this.parts.every((p) => typeof p === 'string')
      ? Buffer.from(this.parts.join(''), 'utf8')
      : Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    this.parts = [];
    this.pending = 0;
    this.bytesWritten += chunk.length;
    // `once` rejects when the stream errors while waiting.
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush(true);
    if (this.error) throw this.error;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
