import { AsyncResource } from 'node:async_hooks';

/**
 * `AsyncResource.prototype.bind` without the `asyncResource` property of the bound function.
 *
 * Fastify binds one callback per request that has a body (its content-type parser's `done`). On
 * Node 20 each `bind` also defines `asyncResource`, a property deprecated since Node 17 (DEP0172),
 * through two `util.deprecate` wrappers made on the spot: in CPU profiles of the auction benchmark
 * that was 5% of the gateway's busy time. The bound function here does what Node's does (runs `fn`
 * in the resource's async scope, with `thisArg`, or the caller's `this` when none is given, and
 * keeps `fn.length`) and leaves out the deprecated property, which nothing in this process reads.
 * Installed only where `bind` still defines it.
 */
export function installLeanAsyncBind(): boolean {
  const probe = new AsyncResource('outcomes:probe').bind(() => undefined);
  if (!Object.prototype.hasOwnProperty.call(probe, 'asyncResource')) return false;
  AsyncResource.prototype.bind = function bind<Func extends (...args: never[]) => unknown>(this: AsyncResource, fn: Func, thisArg?: unknown): Func {
    if (typeof fn !== 'function') throw new TypeError('The "fn" argument must be of type function');
    const call = fn as unknown as (...a: unknown[]) => unknown;
    const run = (self: unknown, args: unknown[]) => this.runInAsyncScope(call, self, ...args);
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return run(this, args);
          }
        : (...args: unknown[]) => run(thisArg, args);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
    return bound as unknown as Func;
  } as typeof AsyncResource.prototype.bind;
  return true;
}
