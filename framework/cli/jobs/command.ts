import type { CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export function jobsCommand(result: CommandResult): CommandModule {
  return {
    command: 'jobs',
    describe: 'list the bundled jobs with their descriptions',
    handler: async () => {
      const { jobsHandler } = await import('./handler.ts');
      result.code = await jobsHandler();
    },
  };
}
