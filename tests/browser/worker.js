// A module Web Worker: runs suite.js functions on request from page.js.
import * as suite from './suite.js';

self.onmessage = async ({ data: { id, fn, args } }) => {
  try {
    postMessage({ id, result: await suite[fn](...args) });
  } catch (e) {
    postMessage({ id, error: `${e?.name}: ${e?.message}` });
  }
};
postMessage({ ready: true });
