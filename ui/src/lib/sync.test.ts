import { describe, expect, it } from 'vitest';
import { syncSummary } from './sync';

const none = { pulled: 0, pulled_bytes: 0, pushed_documents: 0, pushed_issues: 0, pushed_facts: 0, rejected: 0, amendments: 0 };

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
