// Invoice statuses as the engine names them (spec 5.2), with the badge each gets. Spec 4.3:
// "Partially Paid" is yellow, paid is green; the rest follow the same scheme (grey for what is
// not yet money owed, blue for money owed on time, red for what needs attention).

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
