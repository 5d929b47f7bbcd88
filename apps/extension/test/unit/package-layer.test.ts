import { describe, expect, it } from 'vitest';
import { checkLayerFile, LAYER_FILES } from '../../scripts/package-layer.mjs';

const file = (name: string) => {
  const found = LAYER_FILES.find((f) => f.name === name);
  if (!found) throw new Error(`no layer file ${name}`);
  return found;
};
const code = (text: string) => Buffer.from(text);

describe("the layer files' rules", () => {
  it('lets the eager entry load node: built-ins and main.cjs only', () => {
    const entry = file('index.cjs');
    expect(checkLayerFile(entry, code('require("node:http");require("./main.cjs")')).problems).toEqual([]);
    expect(checkLayerFile(entry, code('require("zod/mini")')).problems).toEqual([
      'index.cjs loads zod/mini: only `node:` built-ins and ./main.cjs are allowed',
    ]);
    // A built-in without its prefix could be shadowed by a package of that name.
    expect(checkLayerFile(entry, code('require("http")')).problems).toHaveLength(1);
    expect(checkLayerFile(entry, code('require("./token-aws.cjs")')).problems).toHaveLength(1);
  });

  it('fails the eager entry over its budget, and only warns for the rest', () => {
    const entry = file('index.cjs');
    const big = code(`require("node:http");${' '.repeat(entry.budgetBytes)}`);
    expect(checkLayerFile(entry, big)).toMatchObject({
      overBudget: true,
      problems: [`index.cjs is ${big.length} bytes, over its ${entry.budgetBytes}-byte budget`],
    });
    const rest = file('main.cjs');
    expect(checkLayerFile(rest, code(' '.repeat(rest.budgetBytes + 1)))).toMatchObject({
      overBudget: true,
      problems: [],
    });
  });

  it('lets the rest load built-ins and the token sources, not packages', () => {
    const rest = file('main.cjs');
    expect(
      checkLayerFile(rest, code('require("node:fs");require("worker_threads");require("./token-aws.cjs")'))
        .problems,
    ).toEqual([]);
    expect(checkLayerFile(rest, code('require("pino")')).problems).toHaveLength(1);
  });
});
