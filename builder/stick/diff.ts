/** A small line diff (LCS) in unified format, enough for configs of a few hundred lines. */
export function unifiedDiff(a: string, b: string, labelA: string, labelB: string, context = 3): string {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x[x.length - 1] === '') x.pop();
  if (y[y.length - 1] === '') y.pop();
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { op: ' ' | '-' | '+'; text: string; ai: number; bi: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) ops.push({ op: ' ', text: x[i++]!, ai: i, bi: ++j });
    else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!))
      ops.push({ op: '-', text: x[i++]!, ai: i, bi: j });
    else ops.push({ op: '+', text: y[j++]!, ai: i, bi: j });
  }
  if (!ops.some((o) => o.op !== ' ')) return '';
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.op === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    while (end < ops.length) {
      if (ops[end]!.op !== ' ') {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < ops.length && ops[end + run]!.op === ' ') run++;
      if (end + run >= ops.length || run > 2 * context) {
        end = Math.min(ops.length, end + context);
        break;
      }
      end += run;
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk.filter((o) => o.op !== '+').length
      ? countBefore(ops, start, '+') + 1
      : countBefore(ops, start, '+');
    const bStart = hunk.filter((o) => o.op !== '-').length
      ? countBefore(ops, start, '-') + 1
      : countBefore(ops, start, '-');
    out.push(
      `@@ -${aStart},${hunk.filter((o) => o.op !== '+').length} +${bStart},${hunk.filter((o) => o.op !== '-').length} @@`,
    );
    for (const o of hunk) out.push(o.op + o.text);
    k = end;
  }
  return out.join('\n') + '\n';
}

/** Lines of one side before op index `upto` (skip ops that exist only on the other side). */
function countBefore(ops: { op: string }[], upto: number, otherOnly: string): number {
  let c = 0;
  for (let i = 0; i < upto; i++) if (ops[i]!.op !== otherOnly) c++;
  return c;
}
