// nock 15.0.2 pulls @mswjs/interceptors 0.44, which calls Promise.withResolvers (Node 22+).
// Lambda's Node 20 runtime, and this workspace's Node 20, lack it: provide it to the tests only.
// The package's own code does not use it.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
