// Queue load: 200 tiny distinct clips through 2 worker processes vs an in-process analyzeFile loop, and one long program queued vs in-process.
// Run: npx tsx bench/queue-load.mts [clips=200] [programMinutes=5]   (needs redis-server and ffmpeg on PATH)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { analyzeFile } from '../src/analyze.js';
import { hashTagPrefix } from '../workers/connection.js';
import { enqueueAnalysis, openQueues, waitForAnalysis, type EnqueueResult } from '../workers/queue.js';
import { startRedis } from '../test/helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from '../test/fixtures/queue-worker-process.js';
import { buildProgram } from './program.mjs';

const run = promisify(execFile);
const CLIPS = Number(process.argv[2] ?? 200);
const PROGRAM_MINUTES = Number(process.argv[3] ?? 5);
const WORKERS = 2;
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'roughcut-queue-bench-'));
const redis = await startRedis();
const workers: WorkerProcess[] = [];
try {
  // Tiny distinct clips: 1 s 160x90, each with its own hue and pattern phase, so every content hash differs.
  const clips: string[] = [];
  for (let i = 0; i < CLIPS; i += 4) {
    await Promise.all(Array.from({ length: Math.min(4, CLIPS - i) }, async (_, k) => {
      const file = path.join(dir, `clip-${String(i + k).padStart(3, '0')}.mp4`);
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=160x90:rate=25:duration=1,hue=h=${(i + k) * 1.7}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', file]);
      clips[i + k] = file;
    }));
  }

  // In-process baseline: the same clips one after another.
  let t0 = performance.now();
  for (const [i, clip] of clips.entries()) await analyzeFile(clip, { outDir: path.join(dir, 'inproc', String(i)) });
  const sequentialSeconds = (performance.now() - t0) / 1000;

  // Queue: all at once, 2 worker processes (concurrency 1 each).
  const connection = { url: redis.url, prefix: hashTagPrefix('rc-bench') };
  for (let w = 0; w < WORKERS; w++) workers.push(await startWorkerProcess(redis.url, connection.prefix));
  const queues = openQueues(connection);
  t0 = performance.now();
  const queued: EnqueueResult[] = await Promise.all(clips.map((clip, i) => enqueueAnalysis(queues, { path: clip, outDir: path.join(dir, 'queued', String(i)) })));
  const enqueueSeconds = (performance.now() - t0) / 1000;
  // The first 20 dropped again while the run goes on: must be deduplicated, not analysed twice.
  const again = await Promise.all(clips.slice(0, 20).map((clip) => enqueueAnalysis(queues, { path: clip, outDir: path.join(dir, 'again') })));
  let counts: Record<string, number> = {};
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    counts = await queues.export.getJobCounts('completed', 'failed');
    if ((counts.completed ?? 0) + (counts.failed ?? 0) >= CLIPS || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const queueSeconds = (performance.now() - t0) / 1000;
  const analyzeCounts = await queues.analyze.getJobCounts('completed', 'failed');
  const completions = new Map<unknown, number>();
  for (const w of workers) for (const e of w.events) if (e.event === 'completed' && e.queue === 'roughcut-analyze') completions.set(e.jobId, (completions.get(e.jobId) ?? 0) + 1);
  const finished = counts.completed ?? 0;
  const failed = counts.failed ?? 0;
  const perMinute = (n: number, s: number): string => (n / s * 60).toFixed(1);
  out(`clips              ${CLIPS} x 1 s 160x90 H.264, ${WORKERS} worker processes (concurrency 1 each), ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`);
  out(`queue              finished ${finished}, failed ${failed}, lost ${CLIPS - finished - failed}, analysed twice ${[...completions.values()].filter((c) => c > 1).length}, analyze jobs completed ${analyzeCounts.completed}, resubmitted 20 -> deduplicated ${again.filter((r) => r.deduplicated).length}`);
  out(`queue              ${queueSeconds.toFixed(1)} s (enqueue of all ${CLIPS}: ${enqueueSeconds.toFixed(1)} s) = ${perMinute(finished, queueSeconds)} jobs/min`);
  out(`in-process loop    ${sequentialSeconds.toFixed(1)} s = ${perMinute(CLIPS, sequentialSeconds)} jobs/min`);
  out(`ratio              ${(sequentialSeconds / queueSeconds).toFixed(2)}x the throughput of the in-process loop`);
  if (queued.some((q) => q.deduplicated)) out('warning            some distinct clips were deduplicated: their hashes collided');
  workers.pop()!.child.kill('SIGTERM');

  if (PROGRAM_MINUTES > 0) {
    const program = buildProgram(PROGRAM_MINUTES);
    t0 = performance.now();
    const local = await analyzeFile(program, { outDir: path.join(dir, 'program-inproc') });
    const localSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const job = await enqueueAnalysis(queues, { path: program, outDir: path.join(dir, 'program-queued') });
    const enqueuedSeconds = (performance.now() - t0) / 1000;
    const outcome = await waitForAnalysis(queues, job.jobId);
    const queuedSeconds = (performance.now() - t0) / 1000;
    out(`program            ${path.basename(program)} (${local.analysis.source.frameCount} frames, ${local.analysis.shots.length} shots)`);
    out(`in-process         ${localSeconds.toFixed(1)} s`);
    const workerSeconds = outcome.ok ? outcome.result.frames / outcome.result.framesPerSecond : NaN;
    out(`queue path         ${queuedSeconds.toFixed(1)} s (enqueue incl. sha256 of the file ${enqueuedSeconds.toFixed(1)} s -> worker -> result; ok ${outcome.ok}; analyzeFile inside the sandbox ${workerSeconds.toFixed(1)} s)`);
    out(`ratio              ${(queuedSeconds / localSeconds).toFixed(3)}  (target <= 1.1)`);
  }
  await queues.close();
} finally {
  for (const w of workers) { w.child.kill('SIGTERM'); await w.exited; }
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
}
