// times imports in sequence in one process: node imp.mjs mod1 mod2 ...
const out = [];
for (const m of process.argv.slice(2)) { const t = performance.now(); await import(m.startsWith('.') || m.startsWith('/') ? new URL(m, 'file://' + process.cwd() + '/').href : m); out.push(`${m} ${(performance.now() - t).toFixed(1)}`); }
console.log(out.join(' | '));
