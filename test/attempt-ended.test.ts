import test from 'ava';
import { AttemptFailure, AttemptKilled, ShuffleFetchFailure, attemptEnded } from '../framework/runner/types.ts';
import { InputError } from '../framework/input/types.ts';

// Issue 10: how an attempt that gave no result ended is decided by one function for every runner.

test('a kill cause makes the attempt killed (never a failure), whatever the error', (t) => {
  const ac = new AbortController();
  ac.abort('speculative attempt lost');
  const bySignal = attemptEnded('a1', new Error('worker exited'), ac.signal);
  t.true(bySignal instanceof AttemptKilled);
  t.is((bySignal as AttemptKilled).reason, 'speculative attempt lost');
  t.false((bySignal as AttemptKilled).preempted);
  const preempted = attemptEnded('a2', undefined, { reason: 'preempted by the fair scheduler', preempted: true });
  t.true(preempted instanceof AttemptKilled);
  t.true((preempted as AttemptKilled).preempted);
  t.is(preempted.message, 'attempt killed: preempted by the fair scheduler');
  // An AttemptKilled already made keeps its own reason.
  const first = new AttemptKilled('a3', 'job closed');
  t.is(attemptEnded('a3', first, { reason: 'other' }), first);
  // A signal that is not aborted is no kill.
  t.false(attemptEnded('a4', new Error('boom'), new AbortController().signal) instanceof AttemptKilled);
  // A non-string abort reason reads as 'killed'.
  const err = new AbortController();
  err.abort(new Error('x'));
  t.is((attemptEnded('a5', undefined, err.signal) as AttemptKilled).reason, 'killed');
});

test('without a kill cause: AttemptFailures stay as they are, other errors are wrapped with name, stack and determinism', (t) => {
  const lost = new ShuffleFetchFailure('r1', [2], 'cannot fetch');
  t.is(attemptEnded('r1', lost), lost);
  const plain = attemptEnded('m1', new TypeError('bad value'));
  t.true(plain instanceof AttemptFailure);
  t.false(plain instanceof AttemptKilled);
  t.is(plain.message, 'bad value');
  t.is(plain.errorName, 'TypeError');
  t.regex(plain.errorStack ?? '', /TypeError: bad value/);
  t.false(plain.deterministic);
  const bad = attemptEnded('m2', new InputError('/x/a.gz', 10, 'the gzip file is truncated'));
  t.true(bad.deterministic, 'bad input is never retried');
  t.is(attemptEnded('m3', 'a string').message, 'a string');
});
