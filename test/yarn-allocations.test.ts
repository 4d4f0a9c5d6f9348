/**
 * `bsctl scheduler yarn-allocations`: the MR1 allocation file as YARN's FairScheduler allocation file
 * (its loading by a real ResourceManager is in test/yarn-script.test.ts). No YARN needed here.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { bsctl, ROOT, tempDir } from './helpers/cli.ts';

const dir = tempDir('yarn-allocations');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

test('pools become queues with slots as resources (--slot-mb), job limits as application limits; what cannot be mapped is a note on stderr', (t) => {
  const file = path.join(dir, 'fair-scheduler.xml');
  fs.writeFileSync(
    file,
    `<?xml version="1.0"?>
<allocations>
  <pool name="etl"><minMaps>2</minMaps><minReduces>1</minReduces><maxMaps>6</maxMaps><maxReduces>2</maxReduces><maxRunningJobs>3</maxRunningJobs><weight>3</weight></pool>
  <pool name="probe"><maxMaps>4</maxMaps><schedulingMode>fifo</schedulingMode></pool>
</allocations>
`,
  );
  const r = bsctl(['scheduler', 'yarn-allocations', '--allocations', file, '--slot-mb', '1024']);
  t.is(r.code, 0, r.stderr);
  const queue = (name: string): string => new RegExp(`<queue name="${name}">([\\s\\S]*?)</queue>`).exec(r.stdout)?.[1] ?? '';
  t.regex(queue('etl'), /<minResources>3072 mb, 3 vcores<\/minResources>/);
  t.regex(queue('etl'), /<maxResources>8192 mb, 8 vcores<\/maxResources>/);
  t.regex(queue('etl'), /<maxRunningApps>3<\/maxRunningApps>/);
  t.regex(queue('etl'), /<weight>3<\/weight>/);
  t.regex(queue('probe'), /<schedulingPolicy>fifo<\/schedulingPolicy>/);
  t.notRegex(queue('probe'), /maxResources/);
  t.regex(queue('default'), /<weight>1<\/weight>/, 'root.default added');
  t.regex(r.stderr, /^note: pool probe: only one of maxMaps \/ maxReduces is set: no maxResources/m);
  t.notRegex(r.stdout, /note:/, 'stdout is the XML alone');
});

test('no allocation file, a bad --slot-mb or an unreadable file: an error naming it, exit 1', (t) => {
  const none = bsctl(['scheduler', 'yarn-allocations']);
  t.is(none.code, 1);
  t.regex(none.stderr, /scheduler yarn-allocations: name the MR1 allocation file with --allocations FILE/);
  const slot = bsctl(['scheduler', 'yarn-allocations', '--allocations', path.join(ROOT, 'config/fair-scheduler.xml'), '--slot-mb', '0']);
  t.is(slot.code, 1);
  t.regex(slot.stderr, /--slot-mb: must be a whole number of MB of at least 1 \(got 0\)/);
  const missing = bsctl(['scheduler', 'yarn-allocations', '--allocations', path.join(dir, 'nope.xml')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.xml: ENOENT/);
  t.is(missing.stdout, '');
});
