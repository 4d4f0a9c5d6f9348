/**
 * bench:join's job: call records (input) ⋈ subscribers (`--side subscribers=FILE`), inner join on the
 * caller, one output line per joined pair (`caller\t{"left":[call columns],"right":[subscriber columns]}`).
 * Nothing after the join, so the run's 'Map output bytes' are the join's own shuffle.
 */
import { defineJob, textOutput, tsvInput } from 'bsctl';

export default defineJob({
  name: 'bench-join-inner',
  description: 'bench:join: call records inner-joined with --side subscribers=FILE on the caller',
  input: tsvInput(),
})
  .join({
    key: (_offset, cols) => cols[0] || undefined,
    with: { name: 'subscribers', input: tsvInput(), key: (_offset, cols) => cols[0] || undefined, unique: true },
    kind: 'inner',
  })
  .output(textOutput());
