const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like `90s`, `30m`, `12h` or `7d`, in milliseconds; `flag` names the option in the error. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new Error(`${flag}: "${text}" is not a duration like 30m, 12h or 7d`);
  return Number(m[1]) * UNITS[m[2]!]!;
}
