#!/usr/bin/env node
// Generates a broadcast-like sample clip with ffmpeg: a fade-in, cuts, a flash that is not a cut,
// a dissolve, a fade through black and a fade-out, with a 10:00:00:00 start timecode and audio.
// Usage: node scripts/make-sample.mjs OUT.mp4   (prints the true boundaries as JSON on stdout)
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import process from 'node:process';
import path from 'node:path';

const out = process.argv[2] ?? 'samples/news-sample.mp4';
mkdirSync(path.dirname(out), { recursive: true });
const fps = 25;
const size = '640x360';
const norm = `fps=${fps},scale=${size},setsar=1,format=yuv420p,settb=1/${fps}`;
// Shots (seconds): A mandelbrot 4 (fade-in 0.5), B testsrc2 4 with a 2-frame flash, dissolve 1 s into
// C cellular life 5, fade through black (0.6 out, 0.6 in) into D smpte bars with a moving box 4 (fade-out 0.8).
const graph = [
  `mandelbrot=s=${size}:r=${fps},trim=duration=4,${norm},fade=t=in:st=0:d=0.5[a]`,
  `testsrc2=s=${size}:r=${fps},trim=duration=4,${norm},drawbox=enable='between(n,50,51)':c=white:t=fill[b]`,
  `life=s=320x180:r=${fps}:mold=10:ratio=0.3:death_color=#1030a0:life_color=#f0c040,trim=duration=5,${norm}[c]`,
  `smptehdbars=s=${size}:r=${fps},trim=duration=4,${norm},drawbox=x='mod(t*160,560)':y=140:w=80:h=80:c=red:t=fill[d]`,
  `[b][c]xfade=transition=dissolve:duration=1:offset=3[bc]`,
  `[bc]fade=t=out:st=7.4:d=0.6[bcf]`,
  `[d]fade=t=in:st=0:d=0.6,fade=t=out:st=3.2:d=0.8[df]`,
  `[a][bcf][df]concat=n=3:v=1:a=0[v]`,
].join(';');
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph,
  '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000:duration=16',
  '-map', '[v]', '-map', '0:a', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p',
  '-c:a', 'aac', '-shortest', '-timecode', '10:00:00:00', out], { stdio: ['ignore', 'inherit', 'inherit'] });
// The edits in frames at 25 fps: fade-in 0-12, cut at 100, flash at 150-151 (not a cut), dissolve
// 175-199, fade through black 285-314, fade-out 380-399. Printed so a person can compare.
process.stdout.write(`${JSON.stringify({ file: out, fps, cuts: [100], gradual: [[0, 12], [175, 199], [285, 314], [380, 399]] })}\n`);
