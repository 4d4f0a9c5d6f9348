import type { Machine } from '../../cluster/config.ts';
import { HostKeyError, shellQuote, SshConnection } from '../../cluster/ssh.ts';
import { attempt, errorText, fail, pass, type Check } from './check.ts';
import { probeName } from './probe.ts';

/** The oldest Node the shipped bundles run on. */
export const MIN_NODE_MAJOR = 20;

function sshFix(m: Machine, err: unknown): string {
  if (err instanceof HostKeyError) {
    return `if ${m.name}'s key really changed, pin its current key (ssh-keyscan -p ${m.port} ${m.host}) as hostKey in the cluster config; otherwise do not use the host`;
  }
  return `start sshd on ${m.host}:${m.port}, or correct host/port/user/identityFile of ${m.name} in the cluster config`;
}

async function nodeCheck(conn: SshConnection, m: Machine): Promise<Check> {
  const name = `${m.name}: node`;
  const fix = `install Node ${MIN_NODE_MAJOR} or later on ${m.name}, on the PATH of non-interactive SSH shells`;
  try {
    const version = (await conn.run('node --version')).trim();
    const major = Number(/^v(\d+)\./.exec(version)?.[1]);
    return major >= MIN_NODE_MAJOR ? pass(name, `${version}`) : fail(name, `${version || '(no version)'} is older than v${MIN_NODE_MAJOR}`, fix);
  } catch (err) {
    return fail(name, errorText(err), fix);
  }
}

async function diskCheck(conn: SshConnection, m: Machine, minFreeBytes: number): Promise<Check> {
  const name = `${m.name}: disk ${m.workDir}`;
  const fix = `free space on ${m.name}'s ${m.workDir} (or point workDir at a larger disk)`;
  try {
    // df of the workDir, or of its nearest existing ancestor before it is first created.
    const out = await conn.run(`d=${shellQuote(m.workDir)}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; df -Pk "$d"`);
    const fields = out.trim().split('\n').at(-1)?.trim().split(/\s+/) ?? [];
    const availKb = Number(fields[3]);
    if (!Number.isFinite(availKb)) throw new Error(`cannot read \`df -Pk\` output: ${out.trim().slice(0, 200)}`);
    const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
    const free = availKb * 1024;
    return free >= minFreeBytes ? pass(name, `${gib(free)} free`) : fail(name, `${gib(free)} free, below ${gib(minFreeBytes)}`, fix);
  } catch (err) {
    return fail(name, errorText(err), fix);
  }
}

function writableCheck(conn: SshConnection, m: Machine): Promise<Check> {
  const dir = shellQuote(m.workDir);
  const probe = shellQuote(`${m.workDir}/${probeName()}`);
  // mkdir -p as the runner does; noclobber (set -C) refuses a probe someone else left, so only ours is removed.
  return attempt(`${m.name}: workDir ${m.workDir}`, `make ${m.workDir} on ${m.name} writable by ${m.user} (or change workDir)`, async () => {
    await conn.run(`mkdir -p ${dir} && (set -C; : > ${probe}) && rm -f ${probe}`);
    return 'writable';
  });
}

/** Checks of one machine: SSH with the pinned host key, Node version, free disk and a writable workDir. */
export async function machineChecks(m: Machine, minFreeBytes: number): Promise<Check[]> {
  const name = `${m.name}: ssh`;
  let conn: SshConnection;
  try {
    conn = await SshConnection.connect(m);
  } catch (err) {
    return [fail(name, errorText(err), sshFix(m, err))];
  }
  try {
    const how = m.hostKey ? 'pinned hostKey' : `key in ${m.knownHosts}`;
    return [
      pass(name, `${m.user}@${m.host}:${m.port}, host key matches the ${how}`),
      await nodeCheck(conn, m),
      await diskCheck(conn, m, minFreeBytes),
      await writableCheck(conn, m),
    ];
  } finally {
    conn.close();
  }
}
