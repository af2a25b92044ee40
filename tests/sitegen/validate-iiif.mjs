// validate-iiif.mjs: validates IIIF Presentation 3 documents against the
// official JSON schema (iiif/iiif_3_0.json beside this file).
//
// Usage: node tests/sitegen/validate-iiif.mjs FILE.json...
// Prints every error of every file and exits 1 if any file is invalid (or
// unreadable), 2 on a usage error, 0 when all are valid.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate-iiif.mjs FILE.json...');
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(readFileSync(join(here, 'iiif', 'iiif_3_0.json'), 'utf8'));
// strict: false because the schema keeps its definitions under the
// non-standard keys "types" and "classes".
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let failed = 0;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${file}: cannot read: ${e.message}`);
    failed++;
    continue;
  }
  if (validate(doc)) {
    console.log(`${file}: valid`);
    continue;
  }
  failed++;
  console.error(`${file}: INVALID`);
  for (const err of validate.errors) {
    console.error(`  ${err.instancePath || '/'} ${err.message} (${err.schemaPath})`);
  }
}
console.log(`${files.length - failed} valid, ${failed} invalid`);
process.exit(failed ? 1 : 0);
