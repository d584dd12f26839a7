/** Everything the executor takes from the command line. */
export interface RunOptions {
  check: boolean;
  diff: boolean;
  /** Hosts worked on at the same time within one task (Ansible's forks). */
  forks: number;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  /** Trust and record host keys not yet in known_hosts (a mismatch is still refused). */
  acceptNewHostKeys: boolean;
  /** Remote commands are killed after this many seconds unless a task sets `timeout`. */
  taskTimeoutSec: number;
  verbose: number;
}

export const DEFAULT_OPTIONS: RunOptions = {
  check: false,
  diff: false,
  forks: 50,
  tags: [],
  skipTags: [],
  extraVars: {},
  acceptNewHostKeys: false,
  taskTimeoutSec: 3600,
  verbose: 0,
};
