import fs from 'node:fs';
import ssh2 from 'ssh2';
import type { ClientChannel, SFTPWrapper } from 'ssh2';
import type { Machine } from './config.ts';

const { Client } = ssh2;

/** Quote one argument for the remote shell (arguments never reach it unquoted). */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A host key did not match the pinned key / known_hosts: never connect. */
export class HostKeyError extends Error {
  constructor(machine: Machine, reason: string) {
    super(`host key verification failed for ${machine.name} (${machine.host}:${machine.port}): ${reason}`);
    this.name = 'HostKeyError';
  }
}

/** Keys a known_hosts file lists for host:port (plain, not hashed, entries). */
function knownKeys(file: string, host: string, port: number): Buffer[] {
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  const keys: Buffer[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3 || line.startsWith('#')) continue;
    if (parts[0]!.split(',').some((n) => names.includes(n))) keys.push(Buffer.from(parts[2]!, 'base64'));
  }
  return keys;
}

/** One authenticated, host-verified SSH connection to a machine. */
export class SshConnection {
  private sftpSession: Promise<SFTPWrapper> | undefined;
  closed = false;

  private constructor(
    readonly machine: Machine,
    private readonly client: InstanceType<typeof Client>,
  ) {
    client.on('close', () => (this.closed = true));
  }

  static connect(machine: Machine): Promise<SshConnection> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let keyProblem: string | undefined;
      client.on('ready', () => resolve(new SshConnection(machine, client)));
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (keyProblem) reject(new HostKeyError(machine, keyProblem));
        else reject(new Error(`cannot connect to ${machine.name} (${machine.user}@${machine.host}:${machine.port}): ${err.code ?? err.level ?? ''} ${err.message}`.replace(/\s+/g, ' ').trim()));
      });
      let privateKey: Buffer;
      try {
        privateKey = fs.readFileSync(machine.identityFile);
      } catch (err) {
        reject(new Error(`${machine.name}: identityFile ${machine.identityFile}: ${(err as Error).message}`));
        return;
      }
      client.connect({
        host: machine.host,
        port: machine.port,
        username: machine.user,
        privateKey,
        readyTimeout: 10_000,
        keepaliveInterval: 5_000,
        hostVerifier: (key: Buffer) => {
          const expected = machine.hostKey
            ? [Buffer.from(machine.hostKey.split(' ')[1]!, 'base64')]
            : knownKeys(machine.knownHosts!, machine.host, machine.port);
          if (expected.some((k) => k.equals(key))) return true;
          keyProblem = expected.length
            ? `the server's key (${key.toString('base64').slice(-16)}…) is not the ${machine.hostKey ? 'pinned hostKey' : `key in ${machine.knownHosts}`}: refusing to connect (changed or unknown host key)`
            : `no key for ${machine.host}:${machine.port} in ${machine.knownHosts} (unknown host)`;
          return false;
        },
      });
    });
  }

  /** Start a remote command (already quoted) with pipes. */
  exec(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => (err ? reject(new Error(`${this.machine.name}: exec failed: ${err.message}`)) : resolve(channel)));
    });
  }

  /** Run a command to completion; rejects with its stderr on a non-zero exit. */
  async run(command: string): Promise<string> {
    const channel = await this.exec(command);
    return new Promise((resolve, reject) => {
      channel.on('error', (err: Error) => reject(new Error(`${this.machine.name}: \`${command}\` failed: ${err.message}`)));
      channel.on('close', () => reject(new Error(`${this.machine.name}: \`${command}\`: connection closed`)));
      let out = '';
      let errText = '';
      channel.on('data', (d: Buffer) => (out += d.toString()));
      channel.stderr.on('data', (d: Buffer) => (errText += d.toString()));
      channel.on('exit', (code: number | null) => {
        if (code === 0) resolve(out);
        else reject(new Error(`${this.machine.name}: \`${command}\` exited ${code}: ${errText.trim()}`));
      });
    });
  }

  sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise((resolve, reject) => {
      this.client.sftp((err, s) => {
        if (err) return reject(new Error(`${this.machine.name}: sftp failed: ${err.message}`));
        // A broken session is dropped (the next call opens another); its pending calls fail on their own.
        s.on('error', () => (this.sftpSession = undefined));
        s.on('close', () => (this.sftpSession = undefined));
        resolve(s);
      });
    });
    return this.sftpSession;
  }

  close(): void {
    this.client.end();
  }
}

/** One pooled connection per machine (re-opened when it drops). */
export class SshPool {
  private readonly connections = new Map<string, Promise<SshConnection>>();

  get(machine: Machine): Promise<SshConnection> {
    const existing = this.connections.get(machine.name);
    if (!existing) return this.open(machine);
    // Of many callers finding a dropped connection, only the first opens a new one; the rest share it.
    const again = (): Promise<SshConnection> => (this.connections.get(machine.name) === existing ? this.open(machine) : this.get(machine));
    return existing.then((c) => (c.closed ? again() : c), again);
  }

  private open(machine: Machine): Promise<SshConnection> {
    const p = SshConnection.connect(machine);
    this.connections.set(machine.name, p);
    p.catch(() => this.connections.delete(machine.name));
    return p;
  }

  async closeAll(): Promise<void> {
    for (const p of this.connections.values()) (await p.catch(() => undefined))?.close();
    this.connections.clear();
  }
}
