// The dashboard's words and bar widths. Amounts stay decimal strings; bar widths compare them
// as integers of minor units (BigInt), never as floats.
import type { Activity } from '../engine';
import { formatMoney, toMinor } from './money';

export const AGING_LABELS = ['Not yet due', '1–30 days', '31–60 days', '61–90 days', 'Over 90 days'];

/** Each bucket's bar as a whole percentage of the largest (0 for nothing owed). */
export function barWidths(aging: string[]): number[] {
  // One currency's amounts all have its decimals; scale by the longest anyway.
  const scale = Math.max(0, ...aging.map((a) => (a.split('.')[1] ?? '').length));
  const minor = aging.map((a) => toMinor(a, scale));
  const max = minor.reduce((m, x) => (x > m ? x : m), 0n);
  if (max === 0n) return minor.map(() => 0);
  return minor.map((x) => Number((x * 100n) / max));
}

export function activityText(a: Activity): string {
  const invoice = a.number ?? 'a draft';
  switch (a.kind) {
    case 'issued':
      return `${invoice} issued to ${a.customer_name}`;
    case 'payment':
      return `${a.amount && a.currency ? formatMoney(a.amount, a.currency) : 'A payment'} received from ${a.customer_name} for ${invoice}`;
    case 'viewed':
      return `${a.customer_name} viewed ${invoice}`;
    case 'voided':
      return `${invoice} voided`;
    default:
      return `${invoice}: ${a.kind}`;
  }
}
