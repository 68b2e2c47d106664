import { describe, expect, it } from 'vitest';
import type { InvoiceView, ProductView } from '../bindings';
import { addDays, blankForm, blankLine, fromInvoice, fromProduct, quoteRequest, toDraft } from './editor';

const product = { id: 'p1', name: 'Hosting', unit_price: '20.00', tax_rate: '10' } as ProductView;

describe('the invoice editor form', () => {
  it('drops wholly blank lines and sends text as typed, trimmed', () => {
    const f = blankForm();
    f.customer_id = 'c1';
    f.lines = [{ ...blankLine(), description: 'Work', unit_price: '150.00', quantity: '40' }, blankLine()];
    f.discount_kind = 'percent';
    f.discount_value = ' 10 ';
    f.terms = '  ';
    const d = toDraft(f);
    expect(d.lines).toHaveLength(1);
    expect(d.lines[0].unit_price).toBe('150.00');
    expect(d.discount).toEqual({ kind: 'percent', value: '10' });
    expect(d.terms).toBeNull();
    expect(d.due_date).toBeNull();
  });

  it('keeps a discount kind without a value out of the draft', () => {
    const f = blankForm();
    f.lines = [{ ...blankLine(), description: 'x', unit_price: '1', discount_kind: 'amount', discount_value: '' }];
    expect(toDraft(f).lines[0].discount).toBeNull();
  });

  it('takes a line from a product but keeps the quantity typed', () => {
    const line = fromProduct({ ...blankLine(), quantity: '12' }, product);
    expect(line).toMatchObject({ product_id: 'p1', description: 'Hosting', unit_price: '20.00', tax_rate: '10', quantity: '12' });
  });

  it('starts a line at the first preset rate', () => {
    expect(blankLine([{ name: 'GST', rate: '10' }]).tax_rate).toBe('10');
    expect(blankLine().tax_rate).toBe('0');
  });

  it('round-trips a saved draft with its line ids and discounts', () => {
    const v = {
      customer: { id: 'c1', name: 'ACME', email: null },
      currency: 'USD',
      issue_date: '2026-12-01',
      due_date: '2026-12-31',
      discount: { amount: '5.00' },
      notes: null,
      terms: 'Net 30',
      po_number: null,
      line_items: [
        { id: 'l1', product_id: null, description: 'Work', quantity: '2', unit_price: '10', tax_rate: '0', discount: { percent: '50' } },
      ],
    } as unknown as InvoiceView;
    const f = fromInvoice(v);
    expect(f.lines[0]).toMatchObject({ id: 'l1', discount_kind: 'percent', discount_value: '50' });
    expect([f.discount_kind, f.discount_value, f.terms]).toEqual(['amount', '5.00', 'Net 30']);
    const d = toDraft(f);
    expect(d.lines[0].id).toBe('l1');
    expect(d.discount).toEqual({ kind: 'amount', value: '5.00' });
  });

  it('asks for live totals only with a currency and a priced line, in the API shape', () => {
    const f = blankForm();
    expect(quoteRequest(f)).toBeNull();
    f.currency = 'usd';
    f.lines = [{ ...blankLine(), description: 'Work', unit_price: '150.00', quantity: '40', tax_rate: '10', discount_kind: 'amount', discount_value: '100' }];
    f.discount_kind = 'percent';
    f.discount_value = '10';
    expect(quoteRequest(f)).toEqual({
      currency: 'USD',
      line_items: [{ description: 'Work', quantity: '40', unit_price: '150.00', tax_rate: '10', discount: { amount: '100' } }],
      discount: { percent: '10' },
    });
  });

  it('adds days on the calendar across months and leap days', () => {
    expect(addDays('2026-12-07', 30)).toBe('2027-01-06');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});
