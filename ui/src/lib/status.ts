// Invoice statuses as the engine names them (spec 5.2), with the badge each gets. Spec 4.3:
// "Partially Paid" is yellow, paid is green; the rest follow the same scheme (grey for what is
// not yet money owed, blue for money owed on time, red for what needs attention).

import { formatMoney } from './money';

export type Tone = 'grey' | 'blue' | 'yellow' | 'green' | 'red' | 'purple';

export interface Badge {
  label: string;
  tone: Tone;
}

const BADGES: Record<string, Badge> = {
  draft: { label: 'Draft', tone: 'grey' },
  pending_approval: { label: 'Pending approval', tone: 'grey' },
  approved: { label: 'Approved', tone: 'grey' },
  issued: { label: 'Issued', tone: 'blue' },
  sent: { label: 'Sent', tone: 'blue' },
  viewed: { label: 'Viewed', tone: 'blue' },
  partially_paid: { label: 'Partially paid', tone: 'yellow' },
  paid: { label: 'Paid', tone: 'green' },
  overdue: { label: 'Overdue', tone: 'red' },
  payment_failed: { label: 'Payment failed', tone: 'red' },
  refunded: { label: 'Refunded', tone: 'purple' },
  partially_refunded: { label: 'Partially refunded', tone: 'purple' },
  payment_initiated: { label: 'Payment initiated', tone: 'blue' },
  processing: { label: 'Processing', tone: 'blue' },
  written_off: { label: 'Written off', tone: 'grey' },
  voided: { label: 'Void', tone: 'grey' },
};

export function badge(status: string): Badge {
  return BADGES[status] ?? { label: status.replace(/_/g, ' '), tone: 'grey' };
}

/** Statuses a user filters the list by, in the order the filter shows them. */
export const FILTERABLE = ['draft', 'issued', 'sent', 'viewed', 'partially_paid', 'paid', 'overdue', 'voided'];

const METHODS: Record<string, string> = {
  cash: 'Cash',
  check: 'Check',
  bank_transfer: 'Bank transfer',
  card: 'Card',
};

/** A payment method as people say it; an unknown one as the engine names it, made readable. */
export function methodLabel(method: string): string {
  return METHODS[method] ?? method.replaceAll('_', ' ');
}

type Fact = { kind: string; actor: string; detail: string | null; amount: string | null };

/** One line of an invoice's timeline, in words. */
export function factLabel(f: Fact, currency: string): string {
  const money = f.amount ? formatMoney(f.amount, currency) : '';
  const why = f.detail ? `: ${f.detail}` : '';
  switch (f.kind) {
    case 'issued':
      return `Issued as ${f.detail ?? 'a numbered invoice'}`;
    case 'sent':
      return 'Sent to the customer';
    case 'viewed':
      return 'Viewed by the customer';
    case 'downloaded':
      return 'PDF downloaded by the customer';
    case 'payment_recorded':
      return `Payment of ${money} recorded (${methodLabel(f.detail ?? '')})`;
    case 'payment_succeeded':
      return `Payment of ${money} received (${methodLabel(f.detail ?? '')})`;
    case 'payment_failed':
      return `A payment failed${why}`;
    case 'payment_voided':
      return `A payment was taken back${why}`;
    case 'refunded':
      return `Refunded ${money}`;
    case 'voided':
      return `Voided${why}`;
    case 'written_off':
      return `Written off${why}`;
    default:
      return f.kind.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase()) + why;
  }
}
