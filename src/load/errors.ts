/**
 * Errors are values with a closed set of codes; each carries where it came from
 * (file, 1-based line and column) so the CLI can point at the exact spot.
 */
export type ErrorCode = 'yaml-syntax' | 'schema' | 'unknown-key' | 'unknown-module' | 'expression' | 'undefined-variable' | 'template' | 'inventory' | 'host-pattern' | 'file-not-found' | 'usage';

export interface SourcePos {
  file: string;
  line?: number; // 1-based
  col?: number; // 1-based
}

export class NodemendError extends Error {
  readonly code: ErrorCode;
  readonly pos?: SourcePos;
  constructor(code: ErrorCode, message: string, pos?: SourcePos) {
    super(message);
    this.name = 'NodemendError';
    this.code = code;
    this.pos = pos;
  }
  /** "file:line:col: message", the form editors and terminals link to. */
  format(): string {
    if (!this.pos) return this.message;
    const { file, line, col } = this.pos;
    const where = line ? `${file}:${line}${col ? `:${col}` : ''}` : file;
    return `${where}: ${this.message}`;
  }
}

/** Many errors found in one load pass: validation reports all of them, not the first. */
export class ValidationErrors extends Error {
  readonly errors: NodemendError[];
  constructor(errors: NodemendError[]) {
    super(errors.map((e) => e.format()).join('\n'));
    this.name = 'ValidationErrors';
    this.errors = errors;
  }
}
