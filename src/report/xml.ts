/**
 * XML 1.0 text from arbitrary command output. Control characters other than tab,
 * newline and carriage return are forbidden even as character references, so they
 * become visible "\xNN" text; terminal color sequences are dropped first (they are
 * noise in a CI page), and unpaired surrogates become U+FFFD.
 */
// eslint-disable-next-line no-control-regex
const ANSI_CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlSafe(s: string): string {
  return s
    .replace(ANSI_CSI, '')
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(FORBIDDEN, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function escapeText(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also keep their newlines and tabs: a parser would fold raw ones into spaces. */
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
