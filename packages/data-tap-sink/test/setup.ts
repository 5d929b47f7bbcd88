// nock 15.0.2 depends on @mswjs/interceptors 0.44, which calls Promise.withResolvers: Node 22+
// only. On Node 20 (this workspace, and a Lambda runtime) the tests add it; src/ never uses it.
const promiseStatics = Promise as unknown as { withResolvers?: unknown };
if (typeof promiseStatics.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let settle:
        | { resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void }
        | undefined;
      const promise = new Promise<T>((resolve, reject) => {
        settle = { resolve, reject };
      });
      return { promise, ...(settle as NonNullable<typeof settle>) };
    },
  });
}
