/** Crash recovery's decisions (client/src/crash-history.ts): restart, say so once per episode, give up after too many. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CrashHistory, type CrashDecision } from '../../client/src/crash-history';

const MIN = 60_000;

/** Crashes at the given minutes, with the decision for each. */
function crashes(history: CrashHistory, minutes: number[]): CrashDecision[] {
  return minutes.map((m) => history.crashed(m * MIN));
}

test('crashes in a row: each is restarted, the first is announced, the fifth within 3 minutes is not restarted', () => {
  const h = new CrashHistory();
  assert.deepEqual(crashes(h, [0, 0.1, 0.5, 1, 2]), [
    { restart: true, notice: 'restarted' },
    { restart: true },
    { restart: true },
    { restart: true },
    { restart: false, notice: 'stopped' },
  ]);
  // Started again by the user: a fresh history, so the next crash is restarted and announced.
  assert.deepEqual(crashes(h, [2.5]), [{ restart: true, notice: 'restarted' }]);
});

test('the window slides: crashes spread over more than 3 minutes never stop the server; a quiet 3 minutes begins a new episode', () => {
  const h = new CrashHistory();
  assert.deepEqual(crashes(h, [0, 1, 2, 3.5, 4.5, 5.2]), [
    { restart: true, notice: 'restarted' },
    { restart: true },
    { restart: true },
    // 0 is out of the window; the episode goes on (the last crash was 1.5 minutes before).
    { restart: true },
    { restart: true },
    { restart: true },
  ]);
  // Three quiet minutes: a new episode, announced again.
  assert.deepEqual(crashes(h, [8.5, 8.6]), [{ restart: true, notice: 'restarted' }, { restart: true }]);
});

test('the limits are parameters', () => {
  const h = new CrashHistory(1, 10_000);
  assert.deepEqual(
    [0, 5_000, 20_000].map((t) => h.crashed(t)),
    [{ restart: true, notice: 'restarted' }, { restart: false, notice: 'stopped' }, { restart: true, notice: 'restarted' }],
  );
});
