import { fnmatch } from '../load/fnmatch.js';

/**
 * --start-at-task NAME: does the task called `name` start the run? As ansible-playbook's
 * play_iterator decides it: the exact name, or NAME as an fnmatch glob over it.
 */
export const startsAt = (name: string, pattern: string): boolean => name === pattern || fnmatch(name, pattern);
