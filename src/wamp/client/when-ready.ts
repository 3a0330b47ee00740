/**
 * Going on from a value that may or may not be a promise. A payload codec answers either way (cryptobox
 * synchronously, JOSE with a promise), and so does a handler: the client goes on at once with a plain
 * value, so that a clear or synchronously encoded message costs no promise and no trip through the
 * microtask queue, and once the promise settles otherwise. Every such branch in the client is this one.
 */

/** Whether `value` is something `await` would wait for. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * `next(value)`, now, when `value` is a plain value. When it is a promise: a promise of `next` of what it
 * resolves to, or of `onError` of why it rejects (only that: what `next` throws rejects the promise).
 */
export function whenReady<T, R>(
  value: T | PromiseLike<T>,
  next: (value: T) => R,
  onError?: (error: unknown) => R,
): R | Promise<Awaited<R>> {
  if (!isThenable(value)) return next(value as T);
  return Promise.resolve(value as PromiseLike<T>).then(next, onError) as Promise<Awaited<R>>;
}
