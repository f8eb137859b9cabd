#!/usr/bin/env node
// Validate a Step Functions definition with amazon-states-language-service, the validator
// behind the AWS Toolkit's ASL editor: its JSON schema (JSONPath and JSONata fields, per
// state type) plus its own checks (Next/Default/StartAt targets, unreachable states, ...).
//
//   node tools/validate-asl.mjs DEFINITION.asl.json|DEFINITION.asl.yaml
//
// Prints one line per diagnostic (file:line:column severity message) and exits 1 when there
// is any error or warning; prints "no diagnostics" and exits 0 otherwise. Exit 2 on bad usage.
// https://github.com/aws/amazon-states-language-service
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const asl = require("amazon-states-language-service");
const { TextDocument } = require("vscode-languageserver-textdocument");

const SEVERITY = { 1: "error", 2: "warning", 3: "information", 4: "hint" };

async function diagnose(path) {
  const text = readFileSync(path, "utf8");
  const yaml = /\.ya?ml$/i.test(path);
  const document = TextDocument.create(`file://${path}`, yaml ? "asl-yaml" : "asl", 1, text);
  if (yaml) {
    return asl.getYamlLanguageService({}).doValidation(document);
  }
  const service = asl.getLanguageService({});
  return service.doValidation(document, service.parseJSONDocument(document));
}

async function main(argv) {
  if (argv.length !== 1) {
    console.error("usage: node tools/validate-asl.mjs DEFINITION.asl.json|DEFINITION.asl.yaml");
    return 2;
  }
  const [path] = argv;
  let diagnostics;
  try {
    diagnostics = await diagnose(path);
  } catch (error) {
    console.error(`${path}: cannot validate: ${error.message}`);
    return 2;
  }
  const blocking = diagnostics.filter((d) => d.severity === undefined || d.severity <= 2);
  for (const d of diagnostics) {
    const { line, character } = d.range.start;
    const severity = SEVERITY[d.severity ?? 1];
    console.log(`${path}:${line + 1}:${character + 1}: ${severity}: ${d.message}`);
  }
  if (diagnostics.length === 0) {
    console.log(`${path}: no diagnostics`);
  }
  return blocking.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
