// Node only: reads the file: URLs load.ts is given. Kept apart so that what a
// browser loads names no Node module; package.json's "browser" field maps this
// file to an empty module for bundlers.
import { readFile } from 'node:fs/promises';

export async function readFileUrl(url: URL): Promise<BufferSource> {
  return new Uint8Array(await readFile(url));
}
