/** Where a command handler leaves its exit code (handlers never call process.exit). */
export interface CommandResult {
  code: number;
}
