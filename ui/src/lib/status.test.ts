import { describe, expect, it } from 'vitest';
import { badge, factLabel, FILTERABLE, methodLabel } from './status';

describe('status badges', () => {
  it('shows partially paid in yellow and paid in green (spec 4.3)', () => {
    expect(badge('partially_paid')).toEqual({ label: 'Partially paid', tone: 'yellow' });
    expect(badge('paid')).toEqual({ label: 'Paid', tone: 'green' });
    expect(badge('overdue').tone).toBe('red');
  });

  it('names an unknown status readably instead of failing', () => {
    expect(badge('some_new_state')).toEqual({ label: 'some new state', tone: 'grey' });
  });

  it('offers only statuses it has badges for', () => {
    for (const s of FILTERABLE) expect(badge(s).label).not.toContain('_');
  });
});

describe('methodLabel', () => {
  it('names the methods a device records, and keeps unknown ones readable', () => {
    expect(methodLabel('bank_transfer')).toBe('Bank transfer');
    expect(methodLabel('cash')).toBe('Cash');
    expect(methodLabel('direct_debit')).toBe('direct debit');
  });
});

describe('factLabel', () => {
  const fact = (kind: string, detail: string | null = null, amount: string | null = null) => ({ kind, actor: 'user', detail, amount });
  it('says what happened, with the money in the invoice currency', () => {
    expect(factLabel(fact('issued', 'INV-2026-0001'), 'USD')).toBe('Issued as INV-2026-0001');
    expect(factLabel(fact('payment_recorded', 'bank_transfer', '1000.00'), 'USD')).toBe('Payment of $1,000.00 recorded (Bank transfer)');
    expect(factLabel(fact('voided', 'entered twice'), 'USD')).toBe('Voided: entered twice');
    expect(factLabel(fact('voided'), 'USD')).toBe('Voided');
  });
  it('names a kind it does not know instead of hiding it', () => {
    expect(factLabel(fact('approval_requested'), 'USD')).toBe('Approval requested');
  });
});
