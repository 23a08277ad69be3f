// What each engine does with simdloss, as tests/browser.test.js and
// tests/bench-web.test.js assert it (the README's browser table): data, the
// same suite runs in each. Measured with Debian bookworm's packages:
// Chromium 156, Firefox ESR 153, WebKitGTK 2.50.
const ALL = ['relaxed-simd', 'simd', 'scalar', 'js'];

export const ENGINES = {
  chromium: {
    backend: 'relaxed-simd', // what init() picks
    runs: ALL, // the backends init({ backend }) gives; the rest reject naming the missing feature
    sharedArrayBuffer: { plain: 'undefined', isolated: 'function' }, // typeof the global, per page
    pooledThreads: 2, // k.threads of init({ threads: 2 }) in a worker of a cross-origin isolated page
  },
  firefox: {
    backend: 'relaxed-simd', // ESR 140 had no relaxed SIMD and picked simd
    runs: ALL,
    sharedArrayBuffer: { plain: 'undefined', isolated: 'function' },
    pooledThreads: 2,
  },
  webkit: {
    backend: 'simd', // no relaxed SIMD in JavaScriptCore
    runs: ['simd', 'scalar', 'js'],
    // no SharedArrayBuffer global even where crossOriginIsolated is true, yet
    // new WebAssembly.Memory({ shared: true }) works
    sharedArrayBuffer: { plain: 'undefined', isolated: 'undefined' },
    // posting a shared WebAssembly.Memory to a worker throws DataCloneError, so
    // no pool starts and the instance runs on its thread (the documented fallback)
    pooledThreads: 1,
  },
};
