/**
 * Joins on the test cluster's sshd hosts, shared by test/join-cluster.test.ts and test/hdfs.test.ts
 * (whose HDFS outages are serial with its own tests): seeded data with its in-memory oracle records,
 * and a run on the cluster that records what the runner shipped into the job's dir on each host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobDirOn } from '../../framework/cluster/stale-job-dirs.ts';
import type { JoinKind } from '../../framework/job/join.ts';
import { newJobId, runJob, type JobReport } from '../../framework/runner/driver.ts';
import { ClusterRunner } from '../../framework/scheduler/cluster-runner.ts';
import { testCluster } from './cluster.ts';
import { joinedLines, range, rows, seeded, writeTsv, type Rec } from './join-data.ts';

export const JOIN_JOB = fileURLToPath(new URL('../fixtures/jobs/join-kinds.ts', import.meta.url));

/** Files under the job's dir on each host (`cache/...`, `side/...`), as `host:relative path`. */
function shippedFiles(jobId: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of testCluster().config.machines) {
    const jobDir = jobDirOn(m.workDir, jobId);
    for (const sub of ['cache', 'side']) {
      const d = path.join(jobDir, sub);
      let names: string[] = [];
      try {
        names = fs.readdirSync(d);
      } catch {
        continue; // not (yet, or no longer) there
      }
      for (const n of names) if (!n.endsWith('.tmp')) found.set(`${m.name}:${sub}/${n}`, path.join(d, n));
    }
  }
  return found;
}

export interface ClusterRun {
  readonly report: JobReport;
  readonly lines: string[];
  /** What was seen shipped into the job's dir on the hosts while it ran: `host:cache/<hash>` → content. */
  readonly shipped: Map<string, Buffer>;
}

export interface JoinCluster {
  readonly JOB_RECS: readonly Rec[];
  readonly SIDE_RECS: readonly Rec[];
  readonly sideFile: string;
  onCluster(kind: JoinKind, strategy: string, side: string): Promise<ClusterRun>;
}

/**
 * Data under `dir`: keys k0000..k0099 on the job's side (two files), k0050..k0149 on the side, up to 3
 * times each.
 */
export function joinCluster(dir: string): JoinCluster {
  const rand = seeded(23);
  const jobFiles = [path.join(dir, 'data', 'job-0.tsv'), path.join(dir, 'data', 'job-1.tsv')];
  const sideFile = path.join(dir, 'data', 'side.tsv');
  const JOB_RECS: Rec[] = [...writeTsv(jobFiles[0]!, rows('L', range(0, 100), rand, { count: 700 })), ...writeTsv(jobFiles[1]!, rows('M', range(0, 100), rand, { count: 500 }))];
  const SIDE_RECS: Rec[] = writeTsv(sideFile, rows('R', range(50, 150), rand, { perKey: 3 }));
  let runs = 0;
  async function onCluster(kind: JoinKind, strategy: string, side: string): Promise<ClusterRun> {
    const parent = path.join(dir, 'runs', `${++runs}-${strategy}-${kind}`);
    fs.mkdirSync(parent, { recursive: true });
    const out = path.join(parent, 'out');
    const jobId = newJobId();
    const shipped = new Map<string, Buffer>();
    const report = await runJob({
      jobModule: JOIN_JOB,
      jobExport: kind,
      jobId,
      input: jobFiles,
      sides: { side: [side] },
      output: out,
      runner: new ClusterRunner(testCluster().config),
      splitSize: 2048,
      reducers: 3,
      conf: { 'bsctl.join.strategy': strategy },
      // The job's dir on a host lives until the job ends, so a file shipped there before an attempt
      // ran is still there at the progress event of that attempt's end.
      onProgress: () => {
        for (const [k, file] of shippedFiles(jobId)) if (!shipped.has(k)) shipped.set(k, fs.readFileSync(file));
      },
    });
    return { report, lines: joinedLines(kind, out), shipped };
  }
  return { JOB_RECS, SIDE_RECS, sideFile, onCluster };
}
