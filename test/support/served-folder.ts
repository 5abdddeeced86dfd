import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { advertisedEndpoint, type Endpoint } from '../../sinks/chdb/index.js';
import { projectPath } from '../../processors/util/project-path.js';

/**
 * An embedded folder held by a child process that serves ClickHouse's HTTP interface for it
 * (sinks/chdb/serve.ts), as `slo-pipeline run` does: the server adapter in this process talks
 * to the real engine through it. The child runs the built code (`npm run build` first) and
 * exits when this process closes its standard input or dies.
 */
export interface ServedFolder {
  dir: string;
  endpoint: Endpoint;
  child: ChildProcess;
  /** Stops the child (a clean exit: the advertisement is withdrawn) and, if this created it, removes the folder. */
  stop(): Promise<void>;
}

const CHILD = `
const [dir, readonly, module] = process.argv.slice(1);
const { ChdbWarehouse, serveWarehouse } = await import(module);
const wh = await ChdbWarehouse.open({ dataDir: dir, database: 'default' });
const served = await serveWarehouse(wh, dir, { readonly: readonly === 'true', command: 'a test endpoint' });
process.stdout.write(JSON.stringify({ url: served.url }) + '\\n');
const stop = async () => { await served.close(); await wh.close(); process.exit(0); };
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
`;

export async function startServedFolder(options: { dir?: string; readonly?: boolean } = {}): Promise<ServedFolder> {
  const own = options.dir === undefined;
  const dir = options.dir ?? join(mkdtempSync(join(tmpdir(), 'slo-served-')), 'data');
  const module = pathToFileURL(projectPath('dist', 'sinks', 'chdb', 'index.js')).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dir, String(options.readonly ?? false), module], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString('utf8');
      if (out.includes('\n')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the serving child exited (${code}) before serving: ${err}`)));
  });
  const endpoint = advertisedEndpoint(dir);
  if (!endpoint) throw new Error(`no endpoint advertised in ${dir}`);
  return {
    dir,
    endpoint,
    child,
    stop: async () => {
      child.stdin?.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
      if (own) rmSync(join(dir, '..'), { recursive: true, force: true });
    },
  };
}
