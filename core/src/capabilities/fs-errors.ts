import { RustchainError, type ErrorCode } from '../errors.ts';

/** Node errno → our stable code; anything unlisted is E_FS_IO. */
const BY_ERRNO: Readonly<Record<string, ErrorCode>> = {
  ENOENT: 'E_FS_NOT_FOUND',
  EEXIST: 'E_FS_EXISTS',
  ELOOP: 'E_FS_SYMLINK_REFUSED',
  EISDIR: 'E_FS_NOT_REGULAR_FILE',
  ENXIO: 'E_FS_NOT_REGULAR_FILE',
};

/** Wraps a Node fs error as a RustchainError carrying the path the step gave and the real one. */
export function fsError(error: unknown, path: string, resolved: string): RustchainError {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
  const code = BY_ERRNO[errno] ?? 'E_FS_IO';
  const what =
    code === 'E_FS_SYMLINK_REFUSED'
      ? 'is a symlink (refused when opening without following links)'
      : code === 'E_FS_NOT_FOUND'
        ? 'does not exist'
        : code === 'E_FS_EXISTS'
          ? 'already exists'
          : `failed (${errno})`;
  return new RustchainError(code, `\`${path}\` ${what}`, { details: { path, resolved, errno }, cause: error });
}

/** Not a regular file: devices, FIFOs and directories are refused so a read never hangs. */
export function notRegular(path: string, resolved: string, kind: string): RustchainError {
  return new RustchainError('E_FS_NOT_REGULAR_FILE', `\`${path}\` is a ${kind}, not a regular file`, {
    details: { path, resolved, kind },
  });
}

/** More bytes than the cap allows. */
export function tooLarge(path: string, resolved: string, maxBytes: number): RustchainError {
  return new RustchainError('E_OUTPUT_TOO_LARGE', `\`${path}\` is larger than ${maxBytes} bytes`, {
    details: { path, resolved, maxBytes },
    nonRetryable: true,
  });
}

/** Describes an fs.Stats for messages. */
export function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): string {
  if (stat.isDirectory()) return 'directory';
  if (stat.isFIFO()) return 'FIFO';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'device';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'special file';
}
