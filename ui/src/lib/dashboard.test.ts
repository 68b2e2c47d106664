import { describe, expect, it } from 'vitest';
import { activityText, barWidths } from './dashboard';

describe('barWidths', () => {
  it('scales each bucket to the largest, in whole percent, without floats on money', () => {
    expect(barWidths(['100.00', '200.00', '50.00', '0.00', '0.00'])).toEqual([50, 100, 25, 0, 0]);
    expect(barWidths(['0', '0', '0', '0', '0'])).toEqual([0, 0, 0, 0, 0]);
    expect(barWidths(['1', '3', '0', '0', '0'])).toEqual([33, 100, 0, 0, 0]);
  });
});

describe('activityText', () => {
  const base = { at: '2026-12-07T10:00:00Z', invoice_id: 'x', number: 'INV-2026-0007', customer_name: 'ACME', amount: null, currency: null };
  it('says what happened to which invoice', () => {
    expect(activityText({ ...base, kind: 'issued' })).toBe('INV-2026-0007 issued to ACME');
    expect(activityText({ ...base, kind: 'payment', amount: '1200.00', currency: 'USD' })).toBe(
      '$1,200.00 received from ACME for INV-2026-0007',
    );
    expect(activityText({ ...base, kind: 'viewed' })).toBe('ACME viewed INV-2026-0007');
  });
});
