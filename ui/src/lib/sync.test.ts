import { describe, expect, it } from 'vitest';
import { newsText, syncSummary } from './sync';

const none = { pulled: 0, pulled_bytes: 0, pushed_documents: 0, pushed_issues: 0, pushed_facts: 0, rejected: 0, amendments: 0, news: [] };

describe('syncSummary', () => {
  it('says when there was nothing to exchange', () => {
    expect(syncSummary(none)).toBe('Synced: nothing to exchange.');
  });
  it('names what went each way, singular and plural, and what needs attention', () => {
    const r = { ...none, pushed_documents: 3, pushed_issues: 1, pushed_facts: 2, pulled: 1, rejected: 1 };
    expect(syncSummary(r)).toBe(
      'Synced: sent 3 records, 1 invoice number accepted, 2 payments sent, received 1 change, 1 item needs your attention.',
    );
  });
});

describe('newsText', () => {
  const payment = {
    kind: 'payment_received' as const,
    invoice_id: 'x',
    number: 'INV-2026-0001',
    customer_name: 'ACME Corporation',
    amount: '5600.00',
    currency: 'USD',
    method: 'bank_transfer',
  };
  it('says who paid what for which invoice, in the currency', () => {
    expect(newsText(payment)).toBe('Payment received: $5,600.00 from ACME Corporation for INV-2026-0001');
  });
  it('says a view, and copes with what the sync did not name', () => {
    const viewed = { ...payment, kind: 'invoice_viewed' as const, amount: null, currency: null, method: null };
    expect(newsText(viewed)).toBe('Invoice INV-2026-0001 was viewed by ACME Corporation');
    expect(newsText({ ...payment, amount: null, number: null, customer_name: null })).toBe('Payment received: A payment for a draft');
  });
});
