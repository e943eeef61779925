import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { installLeanAsyncBind } from './async-bind';

describe('installLeanAsyncBind', () => {
  const original = AsyncResource.prototype.bind;
  afterAll(() => {
    AsyncResource.prototype.bind = original;
  });

  it("binds as Node does (the resource's async scope, this, length) without the deprecated property", () => {
    installLeanAsyncBind();
    expect(AsyncResource.prototype.bind).not.toBe(original);
    const store = new AsyncLocalStorage<string>();
    const resource = store.run('at creation', () => new AsyncResource('test'));
    function probe(this: unknown, a: number, b: number) {
      return { scope: store.getStore(), self: this, sum: a + b };
    }
    const bound = resource.bind(probe);
    const holder = { bound };
    expect(store.run('at call', () => holder.bound(1, 2))).toEqual({ scope: 'at creation', self: holder, sum: 3 });
    // Node takes a `thisArg` here, which its types leave out.
    const withThis = (resource.bind as (fn: typeof probe, thisArg: unknown) => typeof probe)(probe, 'given');
    expect(store.run('at call', () => withThis(2, 3))).toEqual({ scope: 'at creation', self: 'given', sum: 5 });
    expect(bound.length).toBe(2);
    expect(Object.prototype.hasOwnProperty.call(bound, 'asyncResource')).toBe(false);
    expect(() => resource.bind('nope' as unknown as () => void)).toThrow(TypeError);
    // Installed once: a second call finds nothing to replace.
    expect(installLeanAsyncBind()).toBe(false);
  });
});
