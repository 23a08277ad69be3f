// Module resolve hook for tfjs-core's per-file ES build, whose relative
// imports name neither the .js extension nor index files ('./ops/ops',
// '../gradients'): when Node cannot resolve such a specifier, try it with '.js'.
const RETRY = ['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT'];

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!specifier.startsWith('.') || !RETRY.includes(err.code)) throw err;
    return next(`${specifier}.js`, context);
  }
}
