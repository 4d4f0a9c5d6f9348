/**
 * Names users give bsctl that become parts of paths (on local disk, HDFS and SSH hosts) or of shell
 * commands: checked here, before anything touches a disk, a shell or a remote host.
 */

/** A Havenask table name: an SQL identifier (`in1`, `mainse_summary`), as the searcher's SQL needs it. */
export const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Job, pool and user names: letters, digits, `_`, `-` and `.`, starting with a letter or digit. */
export const SIMPLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const printable = (s: string): string => JSON.stringify(s);

/** Throws unless `table` is a Havenask table name; `where` names the flag or config key. */
export function checkTableName(table: string, where = '--table'): string {
  if (!TABLE_NAME.test(table)) {
    throw new Error(`${where}: invalid table name ${printable(table)}: use a letter, then letters, digits or _ (at most 64 characters)`);
  }
  return table;
}

/** Throws unless `name` is a simple name (no `/`, no `..`, no spaces or shell characters). */
export function checkSimpleName(name: string, where: string): string {
  if (!SIMPLE_NAME.test(name) || name.includes('..')) {
    throw new Error(`${where}: invalid name ${printable(name)}: use letters, digits, _, - and . (not '..'), starting with a letter or digit`);
  }
  return name;
}
