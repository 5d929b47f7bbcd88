// @ts-check
// What each V8 heap setting buys in the 128 MB burst (burst.mjs), beside the no-op extension, in one
// run: the built layer as it is (its garbage collector tuned at run time, src/gc-tuning.ts), a copy
// whose run-time tuning is turned off (node's defaults), and copies whose launcher starts node with
// heap flags. Rounds interleave the variants; medians are printed.
//
//   pnpm --filter @data-taps/bench run heap-study [--rounds 3] [--tap-down]
//
// The layer must be built (`pnpm build`). Prints a markdown table on stdout; writes nothing.
import { parseArgs } from 'node:util';
import { runBurst } from './burst.mjs';
import { layerVariant, prepareLayers } from './layers.mjs';
import { summarize } from './stats.mjs';
import { startBenchTap } from './tap.mjs';

/**
 * The variants: a label, the node flags they start the extension with (null: the layer as built) and
 * whether the run-time tuning is kept.
 */
const VARIANTS = /** @type {const} */ ([
  ['as built (GC tuned at run time, no flag)', null, true],
  ['node’s defaults (no flag, no tuning)', '', false],
  ['--max-heap-size=48 on the command line (the former launcher), no tuning', '--max-heap-size=48', false],
  ['young generation 1 MB only (--max-semi-space-size=1), no tuning', '--max-semi-space-size=1', false],
]);

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, 'tap-down': { type: 'boolean', default: false } },
});
const rounds = Number(values.rounds);
const tapDown = values['tap-down'] === true;

const layers = await prepareLayers();
const token = `heap-study-${process.pid}-${Date.now()}`;
const tap = await startBenchTap(token);
try {
  /** @type {{ label: string, layer: string }[]} */
  const variants = VARIANTS.map(([label, flags, tuned], i) => ({
    label,
    layer:
      flags === null
        ? layers.dataTaps
        : layerVariant(layers.dataTaps, `variant-${i}`, {
            nodeFlags: flags,
            ...(tuned ? {} : { droppedGcFlags: 'all' }),
          }),
  }));
  variants.push({ label: 'no-op extension (baseline)', layer: layers.noop });
  /** @type {Map<string, import('./burst.mjs').BurstRun[]>} */
  const runs = new Map(variants.map((v) => [v.label, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const [i, variant] of variants.entries()) {
      const run = await runBurst({
        layer: variant.layer,
        functionName: `heap-${round}-${i}`,
        tap,
        token,
        tapDown: tapDown && variant.layer !== layers.noop,
        ships: variant.layer !== layers.noop,
      });
      runs.get(variant.label)?.push(run);
      tap.setScript(undefined);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${variant.label}: peak ${(run.extensionPeakRssKb / 1024).toFixed(1)} MiB\n`,
      );
    }
  }
  const median = (/** @type {number[]} */ xs) => summarize(xs).median;
  const mib = (/** @type {number} */ kb) => `${(kb / 1024).toFixed(1)} MiB`;
  console.log(
    `| Extension (${tapDown ? 'tap down' : 'tap healthy'}; medians of ${rounds}) | Peak RSS | Range | Sandbox maxMemoryUsedMB | Dropped by Lambda | Out of memory |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const [label, list] of runs) {
    const peaks = list.map((r) => r.extensionPeakRssKb);
    console.log(
      `| ${label} | ${mib(median(peaks))} | ${mib(Math.min(...peaks))}–${mib(Math.max(...peaks))} | ${median(list.map((r) => r.maxMemoryUsedMB))} | ${median(list.map((r) => r.lambdaDropped))} | ${list.some((r) => r.outOfMemory) ? 'yes' : 'no'} |`,
    );
  }
} finally {
  await tap.stop();
  layers.cleanup();
}
