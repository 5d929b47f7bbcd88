import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

export const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const functionDir = join(fixtures, 'functions');

/**
 * Builds a layer folder in a temp dir: `extensions/<name>` launchers (shell scripts, as real layers
 * ship them) that exec `node lib/<fixture> <name>`.
 */
export async function makeLayer(
  extensions: Record<string, string>,
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-test-layer-'));
  await mkdir(join(dir, 'extensions'));
  await mkdir(join(dir, 'lib'));
  for (const [name, fixture] of Object.entries(extensions)) {
    await copyFile(join(fixtures, 'extensions', fixture), join(dir, 'lib', fixture));
    const launcher = join(dir, 'extensions', name);
    await writeFile(launcher, `#!/bin/sh\nexec node "$(dirname "$0")/../lib/${fixture}" "${name}"\n`);
    await chmod(launcher, 0o755);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function tempFile(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
  tempDirs.push(dir);
  return join(dir, name);
}
