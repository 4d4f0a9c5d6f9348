/** `a` if it holds `need` entries, else a copy at least twice as long (at least 1024), zero-filled past `a`. */
export function grown(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (a.length >= need) return a;
  let size = Math.max(1024, a.length * 2);
  while (size < need) size *= 2;
  const next = new Int32Array(size);
  next.set(a);
  return next;
}
