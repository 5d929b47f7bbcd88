// @ts-check
// What each V8 heap setting of the launcher buys in the 128 MB burst (burst.mjs), beside the no-op
// extension, in one run: the built layer as it is (the launcher's own flags), and copies of it whose
// launcher starts node with other flags. Rounds interleave the variants; medians are printed.
//
//   pnpm --filter @data-taps/bench run heap-study [--rounds 3] [--tap-down]
//
// The layer must be built (`pnpm build`). Prints a markdown table on stdout; writes nothing.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBurst } from './burst.mjs';
import { prepareLayers } from './layers.mjs';
import { summarize } from './stats.mjs';
import { startBenchTap } from './tap.mjs';

const LAUNCHER = 'extensions/data-taps-lambda-extension';
/** The launcher's exec line, whose flags the variants replace. */
const EXEC = 'exec node $heap ';

/** The variants: a label and the node flags they start the extension with (null: the layer as built). */
const VARIANTS = /** @type {const} */ ([
  ['as built (the launcher’s flags)', null],
  ['node’s defaults (no flag)', ''],
  ['young generation 1 MB only (--max-semi-space-size=1)', '--max-semi-space-size=1'],
  ['old generation capped only (--max-old-space-size=32)', '--max-old-space-size=32'],
  [
    'both (--max-semi-space-size=1 --max-old-space-size=32)',
    '--max-semi-space-size=1 --max-old-space-size=32',
  ],
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
  const launcher = readFileSync(join(layers.dataTaps, LAUNCHER), 'utf8');
  if (!launcher.includes(EXEC))
    throw new Error(`the launcher no longer has "${EXEC}": update heap-study.mjs`);
  /** @type {{ label: string, layer: string }[]} */
  const variants = VARIANTS.map(([label, flags], i) => {
    if (flags === null) return { label, layer: layers.dataTaps };
    const layer = `${layers.dataTaps}-variant-${i}`;
    cpSync(layers.dataTaps, layer, { recursive: true });
    writeFileSync(join(layer, LAUNCHER), launcher.replace(EXEC, `exec node ${flags} `));
    return { label, layer };
  });
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
