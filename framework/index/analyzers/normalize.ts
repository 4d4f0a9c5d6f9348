/**
 * Havenask's analyzer normalisation with the hape default options (case_sensitive false,
 * width_sensitive false, traditional_sensitive true), as build_service NormalizeTable does it:
 * a per-UTF-16-unit table, applied to the whole text BEFORE tokenizing.
 * - width: U+FF01..U+FF5E → U+0021..U+007E, ideographic space U+3000 → ' '
 * - case: 'A'..'Z' (and full-width Ａ..Ｚ, via the width step) → lower case. Only ASCII: Havenask does
 *   not lower-case other scripts (É, Σ stay as written).
 * - traditional/simplified: kept as is.
 * Length in UTF-16 units never changes.
 */

const NEEDS_NORMALIZING = /[A-Z\u3000\uFF01-\uFF5E]/g;

function mapUnit(ch: string): string {
  const u = ch.charCodeAt(0);
  if (u === 0x3000) return ' ';
  const half = u >= 0xff01 ? u - 0xfee0 : u;
  return String.fromCharCode(half >= 0x41 && half <= 0x5a ? half + 0x20 : half);
}

/** Normalise `text` (returns the same string when nothing changes). */
export function normalize(text: string): string {
  return text.replace(NEEDS_NORMALIZING, mapUnit);
}
