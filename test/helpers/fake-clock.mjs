/**
 * A NODE_OPTIONS `--import` preload for tests of the built binary: the process's clock reads the
 * instant in GMV_TEST_NOW (ISO-8601) instead of the machine's. With GMV_TEST_CLOCK_START (the real
 * epoch milliseconds when the test fixed the clock) it then runs on from there, so a sequence of
 * gmv processes sees time move forward; without it the clock stands still. Only tests set these.
 */
const spec = process.env.GMV_TEST_NOW;
if (spec) {
  const RealDate = Date;
  const fixed = RealDate.parse(spec);
  if (Number.isNaN(fixed)) throw new Error(`GMV_TEST_NOW is not an ISO-8601 instant: ${spec}`);
  const start = process.env.GMV_TEST_CLOCK_START === undefined ? null : Number(process.env.GMV_TEST_CLOCK_START);
  const now = () => (start === null ? fixed : fixed + (RealDate.now() - start));
  // A proxy keeps Date's prototype, statics and instanceof; only "now" and the no-argument constructor change.
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget === globalThis.Date ? target : newTarget);
    },
    apply() {
      return new RealDate(now()).toString();
    },
    get(target, key, receiver) {
      return key === 'now' ? now : Reflect.get(target, key, receiver);
    },
  });
}
