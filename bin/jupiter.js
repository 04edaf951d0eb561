#!/usr/bin/env node
// Thin shim: loads the compiled CLI (which loads its heavy dependencies only when a command needs them) and sets the exit code.
let run;
try {
  ({ run } = await import('../dist/cli/run.js'));
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/run.js')) {
    process.stderr.write('jupiter: not built yet — run `npm install` (or `npm run build`) in the package folder\n');
    process.exit(1);
  }
  throw err;
}

// `jupiter summary | head` closes the pipe early (EPIPE), a closed terminal fails writes (EIO): drop the rest of the
// output, never crash (a run goes on saving).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
  });
}

// A second Ctrl-C forces the process down at once: whatever was committed is on disk already.
process.exitCode = await run(process.argv.slice(2), { forceExit: (code) => process.exit(code) });
