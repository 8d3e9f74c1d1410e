import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * Compiles a bench script and what it imports from this repository into one plain ESM file next to
 * it (packages stay imports), so the child runs as users' compiled code does: no tsx loader thread
 * (tens of MB of RSS) and no TypeScript compiled on the fly.
 */
async function compile(path: string): Promise<string> {
  const out = path.replace(/\.ts$/, '.tmp.mjs');
  await build({
    entryPoints: [path],
    outfile: out,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return out;
}

/**
 * Runs a bench script in its own Node process (so its memory is measured alone) and returns the
 * JSON object it prints as its last line of output.
 */
export async function runChild<T>(script: string, args: string[] = [], nodeFlags: string[] = []): Promise<T> {
  const file = await compile(fileURLToPath(new URL(script, import.meta.url)));
  try {
    return await new Promise<T>((resolve, reject) => {
      const child = spawn(process.execPath, [...nodeFlags, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        const last = out.trim().split('\n').pop() ?? '';
        if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`));
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`${script} printed no JSON result: ${out.slice(-2000)}`));
        }
      });
    });
  } finally {
    await rm(file, { force: true });
  }
}

/** Forces a full garbage collection in a child started with --expose-gc. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with --expose-gc');
  g();
  g();
}
