#!/usr/bin/env node
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(err && err.message ? `lmforge: ${err.message}` : err);
  process.exit(1);
});
