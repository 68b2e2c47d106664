import { describe, expect, it } from 'vitest';
import { badge, FILTERABLE } from './status';

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
