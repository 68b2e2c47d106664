// What a sync did, in words for the status line.
import type { News, SyncReport } from '../engine';
import { formatMoney } from './money';

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function syncSummary(r: SyncReport): string {
  const parts: string[] = [];
  if (r.pushed_documents) parts.push(`sent ${count(r.pushed_documents, 'record', 'records')}`);
  if (r.pushed_issues) parts.push(`${count(r.pushed_issues, 'invoice number', 'invoice numbers')} accepted`);
  if (r.pushed_facts) parts.push(`${count(r.pushed_facts, 'payment', 'payments')} sent`);
  if (r.pulled) parts.push(`received ${count(r.pulled, 'change', 'changes')}`);
  if (r.rejected) parts.push(`${count(r.rejected, 'item needs', 'items need')} your attention`);
  if (r.amendments) parts.push(`${count(r.amendments, 'amendment draft', 'amendment drafts')} made`);
  return parts.length ? `Synced: ${parts.join(', ')}.` : 'Synced: nothing to exchange.';
}

/** One piece of news from a sync, as the activity list says it. */
export function newsText(n: News): string {
  const invoice = n.number ?? 'a draft';
  const from = n.customer_name ? ` from ${n.customer_name}` : '';
  if (n.kind === 'payment_received') {
    const amount = n.amount && n.currency ? formatMoney(n.amount, n.currency) : 'A payment';
    return `Payment received: ${amount}${from} for ${invoice}`;
  }
  return `Invoice ${invoice} was viewed${n.customer_name ? ` by ${n.customer_name}` : ''}`;
}
