// Builds the benchmark programs with ffmpeg: a 1080p25 H.264 "broadcast" program of 10-second shots.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Folder the benchmark media is cached in between runs. */
export const BENCH_DIR = path.resolve('.tmp/bench');

const SOURCES = [
  'testsrc2=s=1920x1080:r=25',
  "smptehdbars=s=1920x1080:r=25,drawbox=x='mod(t*300,1700)':y=400:w=220:h=220:c=yellow:t=fill",
  'life=s=480x270:r=25:mold=10:ratio=0.2:death_color=#202840:life_color=#e0d0a0,scale=1920:1080:flags=bicubic',
  "testsrc=s=1920x1080:r=25,hue=h='t*40'",
  'cellauto=s=640x360:r=25:rule=110,scale=1920:1080:flags=neighbor,hue=s=0',
  "rgbtestsrc=s=1920x1080:r=25,rotate=a='t*0.3':fillcolor=navy",
];

/**
 * A `minutes`-long 1920x1080 25 fps H.264 program (x264 veryfast: CABAC, B-frames, GOP 50):
 * shots of 10 s cycling through moving test sources, every 10 s a hard cut. Cached.
 */
export function buildProgram(minutes: number): string {
  mkdirSync(BENCH_DIR, { recursive: true });
  const out = path.join(BENCH_DIR, `program-${minutes}min-1080p25.mp4`);
  if (existsSync(out)) return out;
  if (minutes > 5 && minutes % 5 === 0) {
    // Longer programs repeat the 5-minute one without re-encoding: same content statistics.
    const five = buildProgram(5);
    const list = path.join(BENCH_DIR, `concat-${minutes}.txt`);
    writeFileSync(list, Array.from({ length: minutes / 5 }, () => `file '${five}'`).join('\n'));
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', `${out}.tmp.mp4`]);
    renameSync(`${out}.tmp.mp4`, out);
    return out;
  }
  const shots = minutes * 6;
  const inputs: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < shots; i++) {
    inputs.push(`${SOURCES[i % SOURCES.length]},trim=duration=10,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[s${i}]`);
    labels.push(`[s${i}]`);
  }
  const graph = `${inputs.join(';')};${labels.join('')}concat=n=${shots}:v=1:a=0[v]`;
  process.stderr.write(`building ${out} (${shots} shots; a few minutes, once)\n`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph, '-map', '[v]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p', '-r', '25', `${out}.tmp.mp4`], { stdio: 'inherit' });
  renameSync(`${out}.tmp.mp4`, out);
  return out;
}
