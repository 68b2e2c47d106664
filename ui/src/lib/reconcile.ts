// The reconciliation workspace's columns and labels, apart from the screen so they are tested.
import type { BankCredit } from '../bindings';

export type Column = 'matched' | 'suggested' | 'review';

/** Matched: payments recorded. Suggested: one approval away. To review: a person decides
 * (the matcher's review answer, a credit not matched yet, one whose automatic match was undone
 * and that is not a suggestion). Ignored credits are in no column. */
export function columnOf(c: BankCredit): Column | null {
  if (c.state === 'matched') return 'matched';
  if (c.state === 'ignored') return null;
  return c.decision === 'suggest' ? 'suggested' : 'review';
}

export function columns(credits: BankCredit[]): Record<Column, BankCredit[]> {
  const out: Record<Column, BankCredit[]> = { matched: [], suggested: [], review: [] };
  for (const c of credits) {
    const col = columnOf(c);
    if (col) out[col].push(c);
  }
  return out;
}

/** The keyboard's order over the three columns (left to right, top to bottom), and the next
 * credit from `current` by `step` (clamped at both ends). */
export function move(order: string[], current: string | null, step: number): string | null {
  if (order.length === 0) return null;
  const at = current === null ? -1 : order.indexOf(current);
  if (at === -1) return order[0];
  return order[Math.min(order.length - 1, Math.max(0, at + step))];
}

/** What a key does to the focused credit, if anything. */
export function keyAction(key: string, c: BankCredit | null): 'approve' | 'ignore' | 'undo' | null {
  if (!c) return null;
  const col = columnOf(c);
  if (key === 'a' && c.state === 'open' && c.allocations.length > 0 && col !== 'matched') return 'approve';
  if (key === 'i' && c.state === 'open') return 'ignore';
  if (key === 'u' && c.state !== 'open') return 'undo';
  return null;
}

/** The last `n` of `items` (the most recent, for a list kept oldest first), or all of them;
 * an item `keep` picks is shown either way (the credit just acted on, wherever it is). */
export function latest<T>(items: T[], n: number, all: boolean, keep: (t: T) => boolean = () => false): T[] {
  if (all || items.length <= n) return items;
  const from = items.length - n;
  return items.filter((t, i) => i >= from || keep(t));
}
