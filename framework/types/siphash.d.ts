/** The part of `siphash` (jedisct1/siphash-js, CommonJS) bsctl uses. */
declare module 'siphash' {
  /** SipHash-2-4 of `message` under a 128-bit key given as four 32-bit words (little-endian halves). */
  function hash(key: readonly number[], message: string | Uint8Array): { h: number; l: number };
  const SipHash: { hash: typeof hash };
  export default SipHash;
}
