import { seed } from './seed.js';

seed().then(
  (r) => postMessage(r),
  (e) => postMessage({ error: String(e?.message ?? e) }),
);
