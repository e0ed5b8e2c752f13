/** Environment that makes a spawned gmv (see fake-clock.mjs) believe it is `instant`, its clock running on from there. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const FAKE_CLOCK = join(import.meta.dirname, 'fake-clock.mjs');

export function fakeClockEnv(instant: string): Record<string, string> {
  return { NODE_OPTIONS: `--import ${pathToFileURL(FAKE_CLOCK).href}`, GMV_TEST_NOW: instant, GMV_TEST_CLOCK_START: String(Date.now()) };
}
