/**
 * Area under the ROC curve by the Mann-Whitney statistic, with ties counted
 * as one half. `labels` are 0/1, `scores` any real numbers.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (n !== scores.length) throw new RangeError(`rocAuc: ${n} labels but ${scores.length} scores`);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k] as number] === 1) {
        pos++;
        rankSumPos += midRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) throw new RangeError('rocAuc: needs both classes');
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}
