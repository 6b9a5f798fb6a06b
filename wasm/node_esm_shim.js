// Emscripten 3.1.6 writes its Node support for CommonJS (require, __dirname).
// This ES-module build gives it those two names when it runs under Node
// (process.getBuiltinModule: Node >= 20.16); browsers skip this entirely.
/* eslint no-unused-vars: "off" -- both are read by the Emscripten glue this file is prepended to */
var require, __dirname;
if (typeof process == 'object' && typeof process.getBuiltinModule == 'function') {
  require = process.getBuiltinModule('module').createRequire(import.meta.url);
  __dirname = require('path').dirname(require('url').fileURLToPath(import.meta.url));
}
