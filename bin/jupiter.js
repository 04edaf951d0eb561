#!/usr/bin/env node
// Thin shim: loads the compiled CLI (which loads its heavy dependencies only when a command needs them) and sets the exit code.
import { closeSync, fstatSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

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

// A run keeps ~20 MB alive, yet with V8's defaults (made for short programs) its peak RSS reached 200 MB over 10,000
// model iterations: the young generation grew to 32 MB and the old one to ~3x the live heap between full collections.
// Called once a run is set up: from then on the young generation keeps the size start-up left it (8 MB measured) and
// the old one is collected once it has doubled since the last full collection. Measured on the 10,000-iteration model
// run: peak RSS 116 MB and no more CPU (a tighter 30% cost ~40% more CPU in collections); set before start-up instead,
// the flags cost each launch tens of milliseconds while modules load. V8 reads both whenever it sizes a space; a V8
// that holds the growth factor at 2 or more ignores the first.
function boundHeapForRun() {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=100');
}

// A terminal that hung up cannot have its modes restored: Node's exit tries, fails an assertion on EIO and dies by
// SIGSEGV. Closing the descriptors that pointed at it makes Node skip them, so the exit code (129) is what a shell sees.
let terminalGone = false;
function letGoOfTerminal() {
  for (const fd of [0, 1, 2]) {
    try {
      // A character device (the terminal, gone or not): isatty() says no once it has hung up. Pipes and files stay
      // open, so output still queued for them is written.
      if (fstatSync(fd).isCharacterDevice()) closeSync(fd);
    } catch {
      // Already closed: nothing to restore there either.
    }
  }
}

// A second Ctrl-C forces the process down at once: whatever was committed is on disk already.
const code = await run(process.argv.slice(2), {
  forceExit: (code) => {
    if (terminalGone) letGoOfTerminal();
    process.exit(code);
  },
  boundHeapForRun,
  terminalGone: () => {
    terminalGone = true;
  },
});
if (terminalGone) letGoOfTerminal();
process.exitCode = code;
