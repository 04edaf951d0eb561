#!/usr/bin/env node
// Thin shim: the compiled CLI loads its heavy dependencies only when a command needs them.
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('jupiter: not built yet — run `npm install` (or `npm run build`) in the package folder\n');
    process.exit(1);
  }
  throw err;
});
