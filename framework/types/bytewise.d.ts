declare module 'bytewise' {
  /** Order-preserving binary encoding (bytewise 1.x). */
  const bytewise: {
    encode(value: unknown): Buffer;
    decode(buf: Buffer): unknown;
  };
  export default bytewise;
}
