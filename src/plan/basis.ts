/**
 * A plan's basis: the remote state its prediction was computed from, as
 * `what -> fingerprint` ("file /etc/docker/daemon.json" -> "file 0644 root:root
 * size 52 sha256:…", "creates /opt/k/bin/kubelet" -> "absent"). Two plans with the same
 * basis were computed from the same remote state; a saved plan whose basis differs
 * from a fresh one names exactly what moved on the host.
 *
 * Fingerprints never hold file bytes, only digests and attributes, so a basis can
 * go into a plan file. Times and inode numbers are left out: reading a file moves
 * its atime, and a plan must not drift because it was made.
 */
import type { RemoteShell } from '../transport/types.js';
import type { FileProbe } from '../transport/remote-file.js';

export type Basis = Record<string, string>;

/** Collects what one plan() call read; attached to the shells handed to the module. */
export class BasisRecorder {
  readonly entries: Basis = {};

  note(what: string, fingerprint: string): void {
    this.entries[what] = fingerprint;
  }
}

const recorders = new WeakMap<RemoteShell, BasisRecorder>();

/** A view of `shell` whose reads (through the helpers below) are noted in `rec`. */
export function recordingShell(shell: RemoteShell, rec: BasisRecorder): RemoteShell {
  const view: RemoteShell = { hostName: shell.hostName, exec: (cmd, opts) => shell.exec(cmd, opts) };
  recorders.set(view, rec);
  return view;
}

/** Note a fact the plan was based on, when `shell` is recording (a planning run); else nothing. */
export function noteBasis(shell: RemoteShell, what: string, fingerprint: string): void {
  recorders.get(shell)?.note(what, fingerprint);
}

export function probeFingerprint(p: FileProbe): string {
  if (!p.exists) return p.linkTarget ? `absent (dangling link -> ${p.linkTarget})` : 'absent';
  const parts = [p.type, p.mode, `${p.owner}:${p.group}`];
  // A directory's size moves with its entries, which no plan reads.
  if (p.type === 'file') parts.push(`size ${p.size}`);
  if (p.sha256) parts.push(`sha256:${p.sha256}`);
  if (p.sha1) parts.push(`sha1:${p.sha1}`);
  if (p.linkTarget) parts.push(`-> ${p.linkTarget}`);
  return parts.join(' ');
}

/** The entries whose fingerprints differ between two bases (present on one side only included). */
export function basisDelta(saved: Basis, now: Basis): { what: string; saved?: string; now?: string }[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  return keys.filter((k) => saved[k] !== now[k]).map((k) => ({ what: k, saved: saved[k], now: now[k] }));
}
