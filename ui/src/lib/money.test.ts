import { describe, expect, it } from 'vitest';
import { formatMoney, group, isZero, paidLine, percentOf, toMinor } from './money';

describe('money', () => {
  it('groups digits without touching the fraction', () => {
    expect(group('1234567.505')).toBe('1,234,567.505');
    expect(group('999')).toBe('999');
    expect(group('-1000.00')).toBe('-1,000.00');
  });

  it('formats with the currency symbol and keeps every digit', () => {
    expect(formatMoney('5000.00', 'USD')).toBe('$5,000.00');
    expect(formatMoney('-12.5', 'USD')).toBe('-$12.5');
    expect(formatMoney('1000', 'JPY')).toBe('¥1,000');
    // A value no binary float holds exactly stays exact.
    expect(formatMoney('90071992547409.93', 'USD')).toBe('$90,071,992,547,409.93');
  });

  it('counts minor units with integers', () => {
    expect(toMinor('10.5', 2)).toBe(1050n);
    expect(toMinor('-0.01', 2)).toBe(-1n);
    expect(toMinor('7', 3)).toBe(7000n);
  });

  it('works out the share paid in whole percent, bounded to 0..100', () => {
    expect(percentOf('5000.00', '10000.00')).toBe(50);
    expect(percentOf('0.01', '3.00')).toBe(0);
    expect(percentOf('2.99', '3.00')).toBe(99);
    expect(percentOf('12.00', '10.00')).toBe(100);
    expect(percentOf('1.00', '0.00')).toBe(0);
  });

  it('writes the running balance line of spec 4.3', () => {
    expect(paidLine('5000.00', '10000.00', 'USD')).toBe('Paid $5,000 of $10,000 (50%)');
    expect(paidLine('2500.50', '10000.00', 'USD')).toBe('Paid $2,500.50 of $10,000 (25%)');
  });
});

describe('isZero', () => {
  it('reads zero in any scale, and nothing else', () => {
    for (const z of ['0', '0.00', '-0.00', '000']) expect(isZero(z)).toBe(true);
    for (const n of ['0.01', '10', '', '-1.00']) expect(isZero(n)).toBe(false);
  });
});
