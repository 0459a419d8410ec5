/**
 * Text measurement with the plot font's metrics (DejaVu Sans, shipped in
 * `fonts/` and used by the PNG renderer), so that chart layout can size
 * legends, labels and titles without loading the font.
 * @internal
 */
import { ADVANCES, UNITS_PER_EM } from './font-metrics.js';

/** The font family the SVG asks for (DejaVu Sans first: the font the PNG renderer embeds). @internal */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif";

/** Fallback advance (em) for code points the table lacks: wide (1 em) for CJK and emoji, else 0.62 em. */
function fallback(cp: number): number {
  if ((cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xff60) || cp >= 0x1f000) return 1;
  if (cp >= 0x300 && cp <= 0x36f) return 0; // combining marks
  return 0.62;
}

/** Advance of one code point in em. @internal */
export function advanceEm(cp: number): number {
  for (const [first, widths] of ADVANCES) {
    const w = widths[cp - first];
    if (w !== undefined) return w < 0 ? fallback(cp) : w / UNITS_PER_EM;
  }
  return fallback(cp);
}

/** Width in pixels of `text` at `fontSize` pixels (sum of advances, no kerning). @internal */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += advanceEm(ch.codePointAt(0) as number);
  return em * fontSize;
}

/**
 * Breaks `text` into lines no wider than `maxWidth` pixels, at spaces where
 * possible (a single word wider than the line is cut at a character, with no
 * hyphen). Never returns an empty list.
 * @internal
 */
export function wrapText(text: string, maxWidth: number, fontSize: number): string[] {
  if (textWidth(text, fontSize) <= maxWidth) return [text];
  const lines: string[] = [];
  let line = '';
  const push = (): void => {
    if (line) lines.push(line);
    line = '';
  };
  for (const word of text.split(/ +/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (textWidth(candidate, fontSize) <= maxWidth) {
      line = candidate;
      continue;
    }
    push();
    if (textWidth(word, fontSize) <= maxWidth) {
      line = word;
      continue;
    }
    // A word longer than the line: cut it.
    let part = '';
    for (const ch of word) {
      if (part && textWidth(part + ch, fontSize) > maxWidth) {
        lines.push(part);
        part = '';
      }
      part += ch;
    }
    line = part;
  }
  push();
  return lines.length ? lines : [''];
}

/** `text` cut to at most `maxWidth` pixels, with an ellipsis when cut. @internal */
export function fitText(text: string, maxWidth: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(chars.join('') + '…', fontSize) > maxWidth) chars.pop();
  return chars.join('') + '…';
}
