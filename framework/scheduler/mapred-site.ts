import fs from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** The FairScheduler settings of a Hadoop `mapred-site.xml` that bsctl's scheduler honours. */
export interface FairSchedulerSettings {
  readonly assignMultiple?: boolean;
  readonly sizeBasedWeight?: boolean;
}

const KEYS = {
  'mapred.fairscheduler.assignmultiple': 'assignMultiple',
  'mapred.fairscheduler.sizebasedweight': 'sizeBasedWeight',
} as const;

/**
 * Read `mapred.fairscheduler.assignmultiple` and `...sizebasedweight` from a mapred-site.xml
 * (`<configuration><property><name/><value/></property>...`); other properties are left alone. Errors
 * name the file and the property.
 */
export function loadMapredSite(file: string): FairSchedulerSettings {
  let xml: string;
  try {
    xml = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--mapred-site ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${file}: not valid XML at line ${valid.err.line}: ${valid.err.msg}`);
  const doc = new XMLParser({ isArray: (n) => n === 'property', parseTagValue: false }).parse(xml) as { configuration?: { property?: { name?: unknown; value?: unknown }[] } | '' };
  if (doc.configuration === undefined) throw new Error(`${file}: the root element must be <configuration>`);
  const out: { -readonly [K in keyof FairSchedulerSettings]: FairSchedulerSettings[K] } = {};
  for (const p of (doc.configuration || {}).property ?? []) {
    const name = typeof p.name === 'string' ? p.name.trim() : '';
    const key = KEYS[name as keyof typeof KEYS];
    if (!key) continue;
    const value = typeof p.value === 'string' ? p.value.trim().toLowerCase() : '';
    if (value !== 'true' && value !== 'false') throw new Error(`${file}: ${name}: must be true or false (got ${JSON.stringify(p.value ?? '')})`);
    out[key] = value === 'true';
  }
  return out;
}
