/** One line of `bsctl validate`: what was checked, whether it passed, and what to do when it did not. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

export function pass(name: string, detail: string): Check {
  return { name, ok: true, detail };
}

export function fail(name: string, detail: string, fix: string): Check {
  return { name, ok: false, detail, fix };
}

export function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/** Run one check; a throw is a FAIL with its message and the given fix. */
export async function attempt(name: string, fix: string, run: () => Promise<string> | string): Promise<Check> {
  try {
    return pass(name, await run());
  } catch (err) {
    return fail(name, errorText(err), fix);
  }
}

/** `OK   <check>: <detail>` or `FAIL <check>: <detail> — fix: <what to do>`. */
export function formatCheck(c: Check): string {
  return c.ok ? `OK   ${c.name}: ${c.detail}` : `FAIL ${c.name}: ${c.detail} — fix: ${c.fix ?? 'see the detail'}`;
}
