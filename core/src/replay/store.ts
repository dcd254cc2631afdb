/**
 * The recording directory of `--record` / `--replay`: one JSON file per call, named by the
 * digest of its canonical request under a folder per host, so a reviewer can read what each
 * call asked and got (`<dir>/<host>[_<port>]/<hex>.json`, then `<hex>.2.json` for the second
 * identical request of a run, and so on).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RustchainError } from '../errors.ts';
import type { CanonicalRequest, CanonicalResponse } from './canonical.ts';
import { responseDigest } from './canonical.ts';

/** Format version of a recording file. */
const RECORDING_VERSION = 1;

/** One recording file. */
interface RecordingFile {
  recording: number;
  key: string;
  occurrence: number;
  request: CanonicalRequest;
  response: CanonicalResponse;
  responseDigest: string;
}

/** Folder of a host: the URL's host (and port), reduced to characters safe in a file name. */
function hostFolder(url: string): string {
  const host = URL.canParse(url) ? new URL(url).host : 'invalid-url';
  return host.replace(/[^A-Za-z0-9.-]/g, '_') || 'no-host';
}

/** Path of the `occurrence`-th recording of the request with digest `key`. */
function recordingPath(dir: string, request: CanonicalRequest, key: string, occurrence: number): string {
  const hex = key.slice('sha256:'.length);
  return join(dir, hostFolder(request.url), occurrence === 1 ? `${hex}.json` : `${hex}.${occurrence}.json`);
}

/** Writes one call's recording atomically (temp file + rename): a crash never leaves half a file. */
export async function writeRecording(dir: string, key: string, occurrence: number, request: CanonicalRequest, response: CanonicalResponse): Promise<string> {
  const path = recordingPath(dir, request, key, occurrence);
  const file: RecordingFile = { recording: RECORDING_VERSION, key, occurrence, request, response, responseDigest: responseDigest(response) };
  try {
    await mkdir(join(path, '..'), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    throw new RustchainError('E_RECORD_WRITE_FAILED', `cannot write the recording of ${request.method} ${request.url} to ${path}: ${(error as Error).message}`, {
      details: { path, method: request.method, url: request.url }, cause: error, nonRetryable: true,
    });
  }
  return path;
}

/**
 * The recorded response of the `occurrence`-th identical request; a later occurrence than was
 * recorded gets the last one recorded (a poll that was answered N times replays its final
 * answer). E_REPLAY_MISSING names the request when nothing was recorded for it.
 */
export async function readRecording(dir: string, key: string, occurrence: number, request: CanonicalRequest): Promise<CanonicalResponse> {
  for (let n = occurrence; n >= 1; n--) {
    const path = recordingPath(dir, request, key, n);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw corrupt(path, request, (error as Error).message, error);
    }
    return parseRecording(text, path, key, request);
  }
  throw new RustchainError('E_REPLAY_MISSING', `no recording of ${request.method} ${request.url} (request ${key}) in ${dir}: record the run again with --record`, {
    details: { method: request.method, url: request.url, key, dir, path: recordingPath(dir, request, key, 1) },
    nonRetryable: true,
  });
}

function parseRecording(text: string, path: string, key: string, request: CanonicalRequest): CanonicalResponse {
  let file: Partial<RecordingFile>;
  try {
    file = JSON.parse(text) as Partial<RecordingFile>;
  } catch (error) {
    throw corrupt(path, request, 'not JSON', error);
  }
  const r = file.response;
  const valid = file.recording === RECORDING_VERSION && file.key === key && typeof r === 'object' && r !== null &&
    typeof r.status === 'number' && typeof r.body === 'string' && typeof r.url === 'string' && typeof r.headers === 'object' && r.headers !== null;
  if (!valid) throw corrupt(path, request, `not a version ${RECORDING_VERSION} recording of request ${key}`);
  return { status: r.status, headers: { ...(r.headers as Record<string, string>) }, body: r.body, url: r.url };
}

function corrupt(path: string, request: CanonicalRequest, why: string, cause?: unknown): RustchainError {
  return new RustchainError('E_REPLAY_CORRUPT', `the recording of ${request.method} ${request.url} at ${path} is unreadable: ${why}`, {
    details: { path, method: request.method, url: request.url }, ...(cause === undefined ? {} : { cause }), nonRetryable: true,
  });
}
