#!/usr/bin/env node
// A `solc` executable for py-solc-x and ape-solidity, backed by the npm `solc` package (WebAssembly).
//
// py-solc-x finds compilers as files named `solc-v<X.Y.Z>` and calls them two ways:
//   solc-vX --version                       -> must print "Version: X.Y.Z+commit.<hash>..."
//   solc-vX --standard-json [path flags]    -> standard-JSON input on stdin, output on stdout
// Path flags (--base-path, --include-path, --allow-paths) only tell us where imports may be read from;
// any other flag is ignored. The `solcjs` command shipped with the package cannot stand in: it rejects
// unknown flags and may print a line about the SMT solver into the JSON.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);

if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('this solc front only supports --version and --standard-json\n');
  process.exit(2);
}

const roots = [process.cwd()];
for (let i = 0; i < args.length; i += 1) {
  if (['--base-path', '--include-path', '--allow-paths'].includes(args[i]) && i + 1 < args.length) {
    for (const p of args[i + 1].split(',')) roots.push(path.resolve(p));
  }
}

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
