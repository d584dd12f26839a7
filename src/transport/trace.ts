/**
 * NODEMEND_TRACE_REMOTE=FILE: one JSON line per remote command (`command`, with the identity),
 * per SSH channel opened (`channel`, persistent shells included) and per text a persistent
 * shell reads (`shell-input`: the bytes its `read` takes one by one, library bodies included).
 * What a run costs each host, counted (bench/performance-notes.md, test/fleet/bench-b1-count).
 */
import { appendFileSync } from 'node:fs';

export function traceRemote(e: { host?: string; kind: 'command' | 'channel' | 'shell-input'; as?: string; text: string }): void {
  const file = process.env.NODEMEND_TRACE_REMOTE;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ host: e.host, kind: e.kind, as: e.as, bytes: Buffer.byteLength(e.text), head: e.text.slice(0, 60) })}\n`);
}
