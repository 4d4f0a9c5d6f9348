/**
 * Write lines to a stream (stdout) in chunks, respecting backpressure. A reader that goes away
 * (`bsctl query ... | head`) is not an error: writing stops quietly on EPIPE.
 */
export async function writeLines(out: NodeJS.WritableStream, lines: Iterable<string>, chunkLines = 1000): Promise<void> {
  let failure: NodeJS.ErrnoException | undefined;
  // Stays attached: a failed write reports its error asynchronously, possibly after we return.
  out.on('error', (err: NodeJS.ErrnoException) => {
    failure ??= err;
  });
  const flush = async (buf: string[]): Promise<void> => {
    if (buf.length === 0 || failure) return;
    if (!out.write(`${buf.join('\n')}\n`) && !failure) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          out.off('drain', done);
          out.off('error', done);
          resolve();
        };
        out.on('drain', done);
        out.on('error', done);
      });
    }
  };
  let buf: string[] = [];
  for (const l of lines) {
    if (failure) break;
    buf.push(l);
    if (buf.length >= chunkLines) {
      await flush(buf);
      buf = [];
    }
  }
  await flush(buf);
  if (failure && failure.code !== 'EPIPE') throw failure;
}
