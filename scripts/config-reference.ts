// Writes docs/configuration.md and config/webdispatcher.schema.json from the config schema.
import { writeFileSync } from 'node:fs';
import { configReference, configSchemaText } from '../src/config/config-reference.ts';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), configReference());
writeFileSync(new URL('../config/webdispatcher.schema.json', import.meta.url), configSchemaText());
process.stdout.write('wrote docs/configuration.md and config/webdispatcher.schema.json\n');
