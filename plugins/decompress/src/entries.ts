import { PluginError } from '@rustchain/core/plugin';

/**
 * What an archive holds, format-independent, and the checks every entry passes before
 * anything is written (SECURITY-CATALOGUE 21): names are relative and never climb (`..`,
 * absolute, drive letters, backslashes counted as separators, NUL), links are never created,
 * special files are refused, and the totals stay within the bounds (zip bombs).
 */

/** One archive entry as read (data only for files). */
export interface RawEntry {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** The archive's own type name, for messages (`CharacterDevice`, `FIFO`...). */
  typeName: string;
  linkTarget?: string;
  data?: Buffer;
}

/** An entry that passed the checks: a relative POSIX path inside the extraction dir. */
export interface SafeEntry {
  path: string;
  kind: 'file' | 'directory';
  data: Buffer;
}

/** Bounds of one extraction. */
export interface Limits {
  maxBytes: number;
  maxEntries: number;
}

/** How link entries are handled: refused (default) or left out; escaping links are always refused. */
type LinkMode = 'refuse' | 'skip';

function escape(name: string, reason: string): PluginError {
  return new PluginError('E_ARCHIVE_ENTRY_ESCAPE', `archive entry \`${name}\` would land outside the extraction directory (${reason})`, {
    details: { entry: name, reason },
    nonRetryable: true,
  });
}

/** Over the bounds: the archive is refused as a whole. */
export function tooLarge(what: 'bytes' | 'entries', limit: number, entry?: string): PluginError {
  return new PluginError('E_ARCHIVE_TOO_LARGE', `the archive holds more than ${limit} ${what} (uncompressed)`, {
    details: { limit, what, ...(entry === undefined ? {} : { entry }) },
    nonRetryable: true,
  });
}

/** The relative segments of `name`, or null for the archive root (`./`); throws when it escapes. */
function safeSegments(name: string): string[] | null {
  if (name.includes('\0')) throw escape(name.replace(/\0/g, '\\0'), 'NUL byte');
  if (/^[/\\]/.test(name) || /^[A-Za-z]:/.test(name)) throw escape(name, 'absolute path');
  const segments = name.split(/[/\\]+/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw escape(name, '`..` segment');
  return segments.length === 0 ? null : segments;
}

/** True when `target`, relative to the directory holding `segments`, stays inside the root. */
function linkStaysInside(segments: readonly string[], target: string, relativeToRoot: boolean): boolean {
  if (target.includes('\0') || /^[/\\]/.test(target) || /^[A-Za-z]:/.test(target)) return false;
  const stack = relativeToRoot ? [] : segments.slice(0, -1);
  for (const part of target.split(/[/\\]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return false;
      stack.pop();
    } else stack.push(part);
  }
  return true;
}

/** How links are handled, and the names of those left out (`skip`). */
export interface LinkPolicy {
  mode: LinkMode;
  skipped: string[];
}

/**
 * Decides one entry: a SafeEntry to write, null to leave out (root entry, or a link in `skip`
 * mode, then recorded in `links.skipped`), or a thrown coded error.
 */
export function check(entry: RawEntry, links: LinkPolicy): SafeEntry | null {
  const segments = safeSegments(entry.name);
  if (entry.kind === 'symlink' || entry.kind === 'hardlink') {
    const target = entry.linkTarget ?? '';
    // Hard link targets are archive paths (from the root); symlink targets are relative to the link.
    if (!linkStaysInside(segments ?? [], target, entry.kind === 'hardlink')) throw escape(entry.name, `${entry.kind} to \`${target}\``);
    if (links.mode === 'skip') {
      links.skipped.push(entry.name);
      return null;
    }
    throw new PluginError('E_ARCHIVE_LINK_REFUSED', `archive entry \`${entry.name}\` is a ${entry.kind} (links are not extracted; links: skip leaves them out)`, {
      details: { entry: entry.name, kind: entry.kind, target },
      nonRetryable: true,
    });
  }
  if (entry.kind === 'other') {
    throw new PluginError('E_ARCHIVE_ENTRY_TYPE', `archive entry \`${entry.name}\` is a ${entry.typeName}, which is never extracted`, {
      details: { entry: entry.name, type: entry.typeName },
      nonRetryable: true,
    });
  }
  if (segments === null) return null;
  return { path: segments.join('/'), kind: entry.kind, data: entry.data ?? Buffer.alloc(0) };
}

/** Counts entries and bytes against the limits as they are read. */
export class Budget {
  private entries = 0;
  private bytes = 0;
  constructor(private readonly limits: Limits) {}

  /** One more entry. */
  entry(name: string): void {
    if (++this.entries > this.limits.maxEntries) throw tooLarge('entries', this.limits.maxEntries, name);
  }

  /** `n` more uncompressed bytes. */
  take(n: number, name: string): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes) throw tooLarge('bytes', this.limits.maxBytes, name);
  }
}
