import { describe, expect, it } from 'vitest';
import type { BankCredit } from '../bindings';
import { base64 } from './bytes';
import { columnOf, columns, keyAction, latest, move } from './reconcile';

function credit(id: string, state: string, decision: string | null, allocations = 1): BankCredit {
  return {
    id,
    booked_on: '2026-11-20',
    amount: '10.00',
    currency: 'USD',
    payer: null,
    reference: null,
    description: null,
    state,
    decision,
    confidence: 80,
    allocations: Array.from({ length: allocations }, () => ({ invoice_id: 'i', amount: '10.00' })),
    reasons: [],
    matched_by: state === 'matched' ? 'auto' : null,
    undone: false,
    credited: null,
  };
}

describe('reconciliation workspace', () => {
  it('puts each credit in its column and ignored ones in none', () => {
    const list = [
      credit('a', 'matched', 'auto'),
      credit('b', 'open', 'suggest'),
      credit('c', 'open', 'review'),
      credit('d', 'open', null, 0),
      credit('e', 'ignored', 'review'),
    ];
    const c = columns(list);
    expect(c.matched.map((x) => x.id)).toEqual(['a']);
    expect(c.suggested.map((x) => x.id)).toEqual(['b']);
    expect(c.review.map((x) => x.id)).toEqual(['c', 'd']);
    expect(columnOf(list[4])).toBeNull();
  });

  it('moves through the credits and clamps at the ends', () => {
    expect(move(['a', 'b', 'c'], null, 1)).toBe('a');
    expect(move(['a', 'b', 'c'], 'a', 1)).toBe('b');
    expect(move(['a', 'b', 'c'], 'c', 1)).toBe('c');
    expect(move(['a', 'b', 'c'], 'a', -1)).toBe('a');
    expect(move([], 'a', 1)).toBeNull();
  });

  it('offers only the actions that apply', () => {
    expect(keyAction('a', credit('b', 'open', 'suggest'))).toBe('approve');
    expect(keyAction('a', credit('d', 'open', 'review', 0))).toBeNull();
    expect(keyAction('a', credit('a', 'matched', 'auto'))).toBeNull();
    expect(keyAction('u', credit('a', 'matched', 'auto'))).toBe('undo');
    expect(keyAction('u', credit('b', 'open', 'suggest'))).toBeNull();
    expect(keyAction('i', credit('b', 'open', 'suggest'))).toBe('ignore');
    expect(keyAction('x', credit('b', 'open', 'suggest'))).toBeNull();
  });

  it('encodes bytes as base64', () => {
    expect(base64(new TextEncoder().encode('Date,Amount\n'))).toBe('RGF0ZSxBbW91bnQK');
  });
});

describe('the matched column', () => {
  it('shows the latest until all are asked for', () => {
    const items = [1, 2, 3, 4, 5];
    expect(latest(items, 2, false)).toEqual([4, 5]);
    expect(latest(items, 2, true)).toEqual(items);
    expect(latest(items, 9, false)).toEqual(items);
    expect(latest([], 2, false)).toEqual([]);
    expect(latest(items, 2, false, (n) => n === 1)).toEqual([1, 4, 5]);
  });
});
