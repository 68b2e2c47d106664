import { describe, expect, it } from 'vitest';
import { badge, FILTERABLE, methodLabel } from './status';

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
