// @ts-check
// What each of the extension's run-time GC flags (src/gc-tuning.ts in apps/extension) costs in
// post-runtime time, beside the no-op extension, in one run: the built layer as it is, and copies
// whose entry drops some of the flags before the tuning sets them. Each variant runs the overhead
// shape (overhead.mjs: invocations at a fixed rate, a few log lines each) at 128 MB; rounds
// interleave the variants. heap-study.mjs measures the same flags' memory.
//
//   pnpm --filter @data-taps/bench run gc-study [--rounds 2] [--rate 10] [--count 300]
//
// The layer must be built (`pnpm build`). Prints a markdown table on stdout; writes nothing.
import { parseArgs } from 'node:util';
import { layerVariant, prepareLayers } from './layers.mjs';
import { runOverhead } from './overhead.mjs';
import { quantile } from './stats.mjs';
import { startBenchTap } from './tap.mjs';

/**
 * The variants: a label, the run-time flags dropped (null: the layer as built), and whether the
 * launcher's `--no-memory-reducer` is taken off.
 */
const VARIANTS = /** @type {const} */ ([
  ['as built', null, false],
  ['without --optimize-for-size', ['--optimize-for-size'], false],
  ['memory reducer off only', ['--optimize-for-size', '--semi-space-growth-factor=1'], false],
  ['no tuning (node’s defaults)', ['--optimize-for-size', '--semi-space-growth-factor=1'], true],
]);

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '10' },
    count: { type: 'string', default: '300' },
  },
});
const rounds = Number(values.rounds);
const rate = Number(values.rate);
const count = Number(values.count);

const layers = await prepareLayers();
const token = `gc-study-${process.pid}-${Date.now()}`;
const tap = await startBenchTap(token);
try {
  /** @type {{ label: string, layer: string }[]} */
  const variants = VARIANTS.map(([label, dropped, memoryReducer], i) => ({
    label,
    layer:
      dropped === null
        ? layers.dataTaps
        : layerVariant(layers.dataTaps, `gc-${i}`, { droppedGcFlags: dropped, memoryReducer }),
  }));
  variants.unshift({ label: 'no-op extension (baseline)', layer: layers.noop });
  /** @type {Map<string, number[]>} */
  const posts = new Map(variants.map((v) => [v.label, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const [i, variant] of variants.entries()) {
      const run = await runOverhead({
        layer: variant.layer,
        functionName: `gc-${round}-${i}`,
        tap,
        token,
        rate,
        count,
        linesPerInvocation: 10,
        lineBytes: 100,
      });
      posts.get(variant.label)?.push(...run.postRuntimeMs);
      process.stderr.write(`round ${round + 1}/${rounds} ${variant.label}: done\n`);
    }
  }
  const ms = (/** @type {number} */ x) => x.toFixed(2);
  console.log(
    `| Extension (${rate}/s, ${count} invocations x ${rounds} rounds) | Post-runtime p50 ms | p90 | p99 | max |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [label, xs] of posts) {
    console.log(
      `| ${label} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.9))} | ${ms(quantile(xs, 0.99))} | ${ms(Math.max(...xs))} |`,
    );
  }
} finally {
  await tap.stop();
  layers.cleanup();
}
