// TypeScript types for StepPay's webhooks, generated with Modelina from the AsyncAPI document.
//
//   node tools/asyncapi/typescript.mjs [asyncapi.yaml] [out dir]
//
// writes one `.ts` file per model (the payload schemas, the types they use, and one
// `<Event>Webhook` body per event type) into the out dir (default `steppay-types/`).
// check.mjs generates the same models to check them.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { TypeScriptGenerator } from '@asyncapi/modelina';
import { Parser, fromFile } from '@asyncapi/parser';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultDocument = path.join(root, 'generated/asyncapi/asyncapi.yaml');

// Interfaces over the JSON as it arrives: property names exactly as StepPay writes them
// (Modelina would otherwise rename `event` and `status`, which it reserves), an open enum as a
// union of its documented values and `string`, a map as a Record. No object in the document is
// closed, and Modelina would model the keys a type does not list as a property literally named
// `additionalProperties`, which no delivery has; a TypeScript interface takes other keys anyway.
const generator = new TypeScriptGenerator({
  modelType: 'interface',
  enumType: 'union',
  mapType: 'record',
  rawPropertyNames: true,
  processorOptions: { interpreter: { ignoreAdditionalProperties: true } },
});

/** Parses the document; `diagnostics` holds everything the parser reported. */
export async function parse(documentPath) {
  return fromFile(new Parser(), documentPath).parse();
}

/** The models of a parsed document, each a whole module (`export`s and `import`s). */
export async function typescriptModels(document) {
  return generator.generateCompleteModels(document, { exportType: 'named' });
}

async function main() {
  const [documentPath = defaultDocument, outDir = 'steppay-types'] = process.argv.slice(2);
  const { document, diagnostics } = await parse(documentPath);
  if (!document) {
    for (const d of diagnostics) console.error(`${d.code}: ${d.message} (at ${d.path.join('/')})`);
    console.error(`error: ${documentPath} is not a valid AsyncAPI document`);
    process.exit(1);
  }
  const models = await typescriptModels(document);
  fs.mkdirSync(outDir, { recursive: true });
  for (const model of models) {
    fs.writeFileSync(path.join(outDir, `${model.modelName}.ts`), `${model.result}\n`);
  }
  console.log(`wrote ${models.length} TypeScript models to ${outDir.replace(/\/+$/, '')}/`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
