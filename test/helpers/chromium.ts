/**
 * A real headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
 * commands on fd 3, replies and events on fd 4, each message JSON ended by a NUL byte), so a test
 * sees what a browser does with a page: every request it makes, every console or security error,
 * the rendered DOM and a screenshot. No WebSocket and no npm package needed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';

/** The Chromium binary on PATH (Debian's `chromium`), or null. */
export function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && /Chromium/.test(r.stdout)) return name;
  }
  return null;
}

export interface PageVisit {
  /** Every request the page made other than loading its own file. */
  requests: string[];
  /** Console errors, uncaught exceptions and browser log errors (a CSP refusal is one). */
  errors: string[];
  /** The result of `evaluate` in the loaded page. */
  value: unknown;
  screenshot: Buffer;
}

interface Message { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string }

/** Open `file` in a fresh headless Chromium, wait for load (and a moment for late requests), evaluate `expression`, screenshot. */
export async function visit(binary: string, file: string, expression: string): Promise<PageVisit> {
  const profile = mkdtempSync(join(tmpdir(), 'gmv-chromium-'));
  const child: ChildProcess = spawn(binary, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
    `--user-data-dir=${profile}`, '--remote-debugging-pipe', '--window-size=1280,900', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let buffer = Buffer.alloc(0);
  output.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (let end = buffer.indexOf(0); end >= 0; end = buffer.indexOf(0)) {
      const message = JSON.parse(buffer.subarray(0, end).toString('utf8')) as Message;
      buffer = buffer.subarray(end + 1);
      if (message.id !== undefined && pending.has(message.id)) {
        const p = pending.get(message.id)!;
        pending.delete(message.id);
        if (message.error) p.reject(new Error(`${message.error.message}`)); else p.resolve(message);
      } else for (const l of listeners) l(message);
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let nextId = 1;
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
    input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
  });
  const timeout = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out; chromium said: ${stderr.slice(-2000)}`)), ms))]);

  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  try {
    const { targetId } = await timeout(send('Target.createTarget', { url: 'about:blank' }), 30_000, 'starting chromium') as { targetId: string };
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true }) as { sessionId: string };
    let loaded: () => void = () => undefined;
    const load = new Promise<void>((resolve) => { loaded = resolve; });
    listeners.push((m) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params ?? {};
      if (m.method === 'Network.requestWillBeSent') {
        const requested = (p.request as { url: string }).url;
        if (requested !== url && requested !== 'about:blank') requests.push(requested);
      } else if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'warning' || p.type === 'assert')) {
        errors.push(`console.${String(p.type)}: ${JSON.stringify(p.args)}`);
      } else if (m.method === 'Runtime.exceptionThrown') {
        errors.push(`exception: ${JSON.stringify((p.exceptionDetails as { text?: string })?.text ?? p)}`);
      } else if (m.method === 'Log.entryAdded') {
        const entry = p.entry as { level: string; text: string; source: string };
        if (entry.level === 'error' || entry.level === 'warning') errors.push(`${entry.source} ${entry.level}: ${entry.text}`);
      } else if (m.method === 'Page.loadEventFired') loaded();
    });
    await Promise.all(['Network.enable', 'Runtime.enable', 'Log.enable', 'Page.enable'].map((method) => send(method, {}, sessionId)));
    await send('Page.navigate', { url }, sessionId);
    await timeout(load, 30_000, 'loading the page');
    // Requests a page starts after load (timers, lazy images) would come now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const evaluated = await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId) as { result: { value?: unknown }; exceptionDetails?: unknown };
    if (evaluated.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(evaluated.exceptionDetails)}`);
    const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId) as { data: string };
    return { requests, errors, value: evaluated.result.value, screenshot: Buffer.from(shot.data, 'base64') };
  } finally {
    // Chromium exits on Browser.close, often before it answers: wait for the exit, not the reply.
    void send('Browser.close').catch(() => undefined);
    await timeout(exited, 10_000, 'closing chromium').catch(() => child.kill('SIGKILL'));
    rmSync(profile, { recursive: true, force: true });
  }
}
