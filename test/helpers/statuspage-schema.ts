import { join } from 'node:path';
import { Ajv } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { ROOT } from '../../scripts/processes.ts';

/**
 * Validates a response against the JSON Schema generated from a maintained Statuspage
 * client's types (`Summary`, `Status`, `Components`, `Incidents`, `ScheduledMaintenances`);
 * returns the errors, null when it is valid.
 */
export function statuspageValidator(): (json: unknown, type: string) => unknown[] | null {
  const generator = createGenerator({
    path: join(ROOT, 'node_modules/statuspage.io/dist/interfaces/Result.d.ts'),
    type: '*',
    skipTypeCheck: true,
    additionalProperties: true,
  });
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(generator.createSchema('*'), 'statuspage');
  return (json, type) => {
    const validate = ajv.getSchema(`statuspage#/definitions/${type}`);
    if (!validate) throw new Error(`no Statuspage type ${type}`);
    return validate(json) ? null : (validate.errors ?? []);
  };
}
