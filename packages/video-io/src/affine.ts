/** 4x4 row-major matrix helpers for orientation affines. */

/** Identity 4x4 (row-major). */
export function identity4(): number[] {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

/**
 * Anatomical direction codes of the first three columns of a row-major 4x4
 * affine whose world space is RAS+ (`space='RAS'`) or LPS+ (`'LPS'`), e.g.
 * `'RAS'` or `'LPI'`; like nibabel's `aff2axcodes` for non-oblique affines.
 */
export function axcodes(affine: readonly number[], space: 'RAS' | 'LPS' = 'RAS'): string {
  const pos = space === 'RAS' ? ['R', 'A', 'S'] : ['L', 'P', 'S'];
  const neg = space === 'RAS' ? ['L', 'P', 'I'] : ['R', 'A', 'I'];
  const used = new Set<number>();
  let out = '';
  // Assign the strongest (column, row) pairs first, as io_orientation does.
  const cols = [0, 1, 2];
  const assigned: string[] = ['?', '?', '?'];
  const cands: { c: number; r: number; v: number }[] = [];
  for (const c of cols) {
    const norm = Math.hypot(affine[c] as number, affine[4 + c] as number, affine[8 + c] as number) || 1;
    for (let r = 0; r < 3; r++) cands.push({ c, r, v: (affine[r * 4 + c] as number) / norm });
  }
  cands.sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
  const usedCols = new Set<number>();
  for (const { c, r, v } of cands) {
    if (usedCols.has(c) || used.has(r) || v === 0) continue;
    usedCols.add(c);
    used.add(r);
    assigned[c] = v > 0 ? (pos[r] as string) : (neg[r] as string);
  }
  for (const a of assigned) out += a;
  return out;
}

/** Row-major 4x4 product `a @ b`. */
export function matmul4(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += (a[i * 4 + k] as number) * (b[k * 4 + j] as number);
      out[i * 4 + j] = s;
    }
  return out;
}
