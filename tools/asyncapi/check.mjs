// Checks generated/asyncapi/asyncapi.yaml with the tools other languages will use on it:
//
// 1. the official AsyncAPI parser (@asyncapi/parser) validates it: no error, and no warning or
//    other finding but the ones listed in EXPECTED below, each with the reason it stays;
// 2. Modelina (@asyncapi/modelina) generates TypeScript models from it: one for each payload
//    schema (each `generated/schema/<Name>.schema.json`), with every property of that schema,
//    an id marked lenient taking a string or a number, an enum taking any string; and one
//    `<Event>Webhook` body per message;
// 3. the TypeScript compiler (strict) accepts the models, and each message's example typed as
//    its message's model.
//
//   node tools/asyncapi/check.mjs [repository root]
//
// Exit 0: every check passed; 1: a check failed (each failure is printed).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import ts from 'typescript';

import { parse, root as defaultRoot, typescriptModels } from './typescript.mjs';

/** Findings the parser reports that stay, by rule code, with the reason. */
const EXPECTED = {
  'asyncapi-latest-version':
    'Modelina 5.10.1 (the latest) supports AsyncAPI up to 3.0.0 and reads a 3.1.0 document as one `type Root = any`; the document uses nothing 3.1 adds (README, Other languages)',
};

const SEVERITY = ['error', 'warning', 'info', 'hint'];

const root = path.resolve(process.argv[2] ?? defaultRoot);
const documentPath = path.join(root, 'generated/asyncapi/asyncapi.yaml');
const schemaDir = path.join(root, 'generated/schema');
const failures = [];
const fail = (message) => failures.push(message);
const version = (name) => JSON.parse(fs.readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version;

// 1. The parser.
const { document, diagnostics } = await parse(documentPath);
const counts = SEVERITY.map((name, severity) => `${diagnostics.filter((d) => d.severity === severity).length} ${name}s`);
console.log(`@asyncapi/parser ${version('@asyncapi/parser')}: ${path.relative(root, documentPath)}: ${counts.join(', ')}`);
for (const d of diagnostics) {
  const where = d.path.length ? ` (at ${d.path.join('/')})` : '';
  const line = `  ${SEVERITY[d.severity]} ${d.code}: ${d.message}${where}`;
  if (d.severity === 0) {
    fail(line);
  } else if (EXPECTED[d.code]) {
    console.log(`${line}\n    stays: ${EXPECTED[d.code]}`);
  } else {
    fail(`${line}\n    not expected: fix the emitter (codegen/src/emit/asyncapi.rs), or list it in EXPECTED with the reason it stays`);
  }
}
if (!document) {
  finish();
}

// 2. Modelina.
const models = await typescriptModels(document);
const byName = new Map(models.map((m) => [m.modelName, m]));
console.log(`@asyncapi/modelina ${version('@asyncapi/modelina')}: ${models.length} TypeScript models`);

/** The model's properties by their JSON name, each a constrained model with its TypeScript `type`. */
function properties(model) {
  return new Map(Object.values(model.model.properties ?? {}).map((p) => [p.unconstrainedPropertyName, p.property]));
}

const schemaFiles = fs.readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json') && f !== 'webhook.schema.json').sort();
if (schemaFiles.length === 0) fail(`no payload schemas in ${schemaDir}`);
for (const file of schemaFiles) {
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8'));
  const name = schema.title;
  const model = byName.get(name);
  if (!model) {
    fail(`no model for the schema ${name} (${file})`);
    continue;
  }
  const actual = properties(model);
  const expected = Object.entries(schema.properties ?? {});
  let found = 0;
  for (const [property, definition] of expected) {
    const type = actual.get(property)?.type;
    if (type === undefined || !model.result.includes(`'${property}'`)) {
      fail(`${name}: the model lacks the property ${property}`);
      continue;
    }
    found += 1;
    const types = [definition.type ?? []].flat();
    if (types.includes('string') && types.includes('integer') && !(/\bstring\b/.test(type) && /\bnumber\b/.test(type))) {
      fail(`${name}.${property} is a lenient id, but its model type is \`${type}\`, not string or number`);
    }
    const enumName = definition.$ref?.replace('#/$defs/', '') ?? definition.anyOf?.[0]?.$ref?.replace('#/$defs/', '');
    if (enumName && schema.$defs?.[enumName]?.enum && !/\| string\b/.test(type)) {
      fail(`${name}.${property} is an open enum, but its model type \`${type}\` takes no other string`);
    }
  }
  console.log(`  ${name}: ${found} of ${expected.length} properties`);
}

const messages = document.allMessages().all();
let bodies = 0;
for (const message of messages) {
  const name = message.payload()?.title();
  const model = byName.get(name);
  const members = model ? properties(model) : new Map();
  const event = members.get('event')?.options.const?.originalInput;
  const data = members.get('data')?.type;
  if (event === message.name() && byName.has(data)) {
    bodies += 1;
  } else {
    fail(`message ${message.name()}: no model ${name} with \`event: '${message.name()}'\` and \`data\` of a generated model`);
  }
}
console.log(`  ${bodies} of ${messages.length} messages: a <Event>Webhook model, \`event\` fixed, \`data\` typed`);

// 3. The TypeScript compiler.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steppay-asyncapi-'));
try {
  for (const model of models) {
    fs.writeFileSync(path.join(dir, `${model.modelName}.ts`), model.result);
  }
  const examples = [];
  for (const [i, message] of messages.entries()) {
    const name = message.payload()?.title();
    for (const example of message.examples().all()) {
      examples.push(`import { ${name} as M${i} } from './${name}';`);
      examples.push(`export const example${examples.length}: M${i} = ${JSON.stringify(example.payload(), null, 2)};`);
    }
  }
  fs.writeFileSync(path.join(dir, 'examples.ts'), examples.join('\n'));
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const program = ts.createProgram(files, { strict: true, noEmit: true, target: ts.ScriptTarget.ES2020 });
  const errors = ts.getPreEmitDiagnostics(program);
  for (const error of errors) {
    const where = error.file ? `${path.basename(error.file.fileName)}:${error.file.getLineAndCharacterOfPosition(error.start).line + 1}: ` : '';
    fail(`tsc: ${where}${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  }
  console.log(`typescript ${ts.version}: ${files.length - 1} models and ${examples.length / 2} examples, ${errors.length} errors`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

finish();

function finish() {
  if (failures.length) {
    console.error(`\n${failures.length} AsyncAPI check(s) failed:`);
    for (const failure of failures) console.error(failure);
    process.exit(1);
  }
  console.log('AsyncAPI document: valid, and its TypeScript models are complete and compile');
  process.exit(0);
}
