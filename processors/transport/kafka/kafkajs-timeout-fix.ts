import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 schedules its request queue's next check at `throttledUntil - now`, which is
 * negative whenever the broker never throttled (`throttledUntil` starts at -1): Node 24 then
 * prints a TimeoutNegativeWarning (and waits 1 ms, as it always did). This replaces that one
 * method with the same logic and the delay clamped at 1 ms, so behaviour is unchanged and the
 * warning is gone. kafkajs is unmaintained: the fix cannot come from upstream.
 */
interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

const CHECK_PENDING_REQUESTS_INTERVAL = 10;
let applied = false;

export function applyKafkajsTimeoutFix(): void {
  if (applied) return;
  applied = true;
  const require = createRequire(import.meta.url);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike & { scheduleCheckPendingRequests(): void } };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike): void {
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.throttleCheckTimeoutId) return;
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, Math.max(1, scheduleAt));
  };
}
