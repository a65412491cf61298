/**
 * How an activity's errors reach the workflow (src/activities/failures.ts): an error fails it at
 * once with its class as the type, and anything a cancelled activity throws as it stops counts as
 * the cancellation (the SDK reports only a CancelledFailure or an AbortError as cancelled).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { failFast } from '../src/activities/failures.js';
import { ValidationError } from '../src/errors.js';

const activities = failFast({
  bad: async () => {
    throw new ValidationError('no such user');
  },
  stopsBadly: async () => {
    await new Promise((resolve) => Context.current().cancellationSignal.addEventListener('abort', resolve));
    throw new Error('ENOENT: the staging directory is gone');
  },
});

test('an error fails the activity at once, typed by its class', async () => {
  await assert.rejects(new MockActivityEnvironment().run(activities.bad), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.deepEqual([error.type, error.nonRetryable, error.message], ['ValidationError', true, 'no such user']);
    return true;
  });
});

test('what a cancelled activity throws as it stops is its cancellation', async () => {
  const env = new MockActivityEnvironment();
  const running = env.run(activities.stopsBadly);
  env.cancel();
  await assert.rejects(running, (error: unknown) => {
    assert.ok(error instanceof CancelledFailure, String(error));
    assert.match(String((error.cause as Error | undefined)?.message), /ENOENT/);
    return true;
  });
});
