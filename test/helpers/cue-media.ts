// Test media for the technical cues: one clip of black, colour bars, a frozen picture and a dark scene between moving footage, with silent gaps in its audio.
import path from 'node:path';
import { ffmpeg } from './media.js';

/** Frame rate and size of {@link makeCueClip}'s video. */
export const CUE_FPS = 25;
const SIZE = '640x360';

/** One stretch of the clip: an ffmpeg source chain, its length in frames, and the cue it should raise. */
interface Section {
  readonly source: string;
  readonly frames: number;
  /** The cue expected over this section, and which of its frames it covers (default all). */
  readonly cue?: { readonly label: 'black' | 'bars' | 'freeze'; readonly fromFrame?: number };
}

/** A cue the clip holds, in frames `[startFrame, endFrame)`. */
export interface ExpectedCue {
  readonly label: string;
  readonly startFrame: number;
  readonly endFrame: number;
}

/** What {@link makeCueClip} wrote and where each cue is. */
export interface CueClip {
  readonly file: string;
  readonly frameCount: number;
  /** Video cues in frame order. */
  readonly video: readonly ExpectedCue[];
  /** Silences in the audio, in frames. */
  readonly silence: readonly ExpectedCue[];
}

/** drawbox filters painting seven full-height stripes of 91 pixels: red, yellow, green, cyan, blue, magenta, white. */
const RAINBOW = ['red', 'yellow', 'lime', 'cyan', 'blue', 'magenta', 'white']
  .map((color, i) => `drawbox=x=${i * 91}:y=0:w=${i === 6 ? 640 - 6 * 91 : 91}:h=360:color=${color}:t=fill`).join(',');

const moving = (seconds: number): Section => ({ source: `testsrc2=size=${SIZE}:rate=${CUE_FPS}:duration=${seconds}`, frames: seconds * CUE_FPS });

/**
 * The sections, in order. Moving footage (testsrc2, the original testsrc, mandelbrot) and a
 * static rgbtestsrc separate the cues so each is its own run; rgbtestsrc, testsrc, testsrc2
 * and rainbow stripes are colourful and striped but not bars, and a still that fades slowly is
 * not a freeze. The black carries a white logo in a corner; the dark
 * scene is a dim moving gradient (full-range luma 5 to 28, mean about 22 with the title) under a bright title box.
 */
const SECTIONS: readonly Section[] = [
  moving(2),
  { source: `color=c=black:size=${SIZE}:rate=${CUE_FPS}:duration=2,drawbox=x=572:y=20:w=44:h=26:color=white:t=fill`, frames: 50, cue: { label: 'black' } },
  moving(1),
  { source: `smptebars=size=${SIZE}:rate=${CUE_FPS}:duration=2`, frames: 50, cue: { label: 'bars' } },
  { source: `mandelbrot=size=${SIZE}:rate=${CUE_FPS},trim=end_frame=25`, frames: 25 },
  { source: `smptehdbars=size=${SIZE}:rate=${CUE_FPS}:duration=2`, frames: 50, cue: { label: 'bars' } },
  moving(1),
  { source: `pal75bars=size=${SIZE}:rate=${CUE_FPS}:duration=2`, frames: 50, cue: { label: 'bars' } },
  { source: `rgbtestsrc=size=${SIZE}:rate=${CUE_FPS}:duration=1`, frames: 25 },
  { source: `pal100bars=size=${SIZE}:rate=${CUE_FPS}:duration=2`, frames: 50, cue: { label: 'bars' } },
  { source: `testsrc=size=${SIZE}:rate=${CUE_FPS}:duration=1`, frames: 25 },
  // One second of motion, then its last frame held for three: the freeze starts at that last frame.
  { source: `testsrc2=size=${SIZE}:rate=${CUE_FPS}:duration=1,tpad=stop_mode=clone:stop_duration=3`, frames: 100, cue: { label: 'freeze', fromFrame: 24 } },
  {
    source: `color=c=black:size=${SIZE}:rate=${CUE_FPS}:duration=2,format=yuv420p,geq=lum='30+10*sin(2*PI*(X/W-T/2))':cb=128:cr=128,`
      + 'drawbox=x=200:y=290:w=240:h=30:color=white:t=fill',
    frames: 50,
  },
  // Seven saturated stripes of bar widths in rainbow order: a graphic, not a chart.
  { source: `color=c=black:size=${SIZE}:rate=${CUE_FPS}:duration=1,${RAINBOW}`, frames: 25 },
  // A still fading slowly (under a level a frame), so only a comparison with the run's first frame sees it change.
  { source: `testsrc2=size=${SIZE}:rate=${CUE_FPS}:duration=0.04,tpad=stop_mode=clone:stop_duration=3,fade=t=out:st=0:d=8`, frames: 75 },
  moving(2),
];

/** A silent gap in the audio, seconds; the last {@link SILENT_TAIL_SECONDS} are silent too, to the end. */
const SILENT_GAP: readonly [number, number] = [6, 9];
const SILENT_TAIL_SECONDS = 2.6;

/**
 * Writes the cue clip (29 s, 725 frames of 640x360 H.264 at 25 fps, stereo AAC) to `dir` and
 * returns where every cue is. The audio is a -18 dBFS tone with digital silence over
 * {@link SILENT_GAP} and the last {@link SILENT_TAIL_SECONDS}.
 */
export async function makeCueClip(dir: string): Promise<CueClip> {
  const file = path.join(dir, 'cues.mp4');
  const video: ExpectedCue[] = [];
  let at = 0;
  const chains = SECTIONS.map((s, i) => {
    if (s.cue) video.push({ label: s.cue.label, startFrame: at + (s.cue.fromFrame ?? 0), endFrame: at + s.frames });
    at += s.frames;
    return `${s.source},format=yuv420p,setsar=1,trim=end_frame=${s.frames},setpts=PTS-STARTPTS[v${i}]`;
  });
  const frameCount = at;
  const seconds = frameCount / CUE_FPS;
  const silences = [SILENT_GAP, [seconds - SILENT_TAIL_SECONDS, seconds] as const];
  const audio: string[] = [];
  let t = 0;
  for (const [start, end] of [...silences, [seconds, seconds] as const]) {
    if (start > t) audio.push(`sine=frequency=440:sample_rate=48000:duration=${(start - t).toFixed(3)}`);
    if (end > start) audio.push(`anullsrc=r=48000:cl=mono:d=${(end - start).toFixed(3)}`);
    t = end;
  }
  const audioChains = audio.map((a, i) => `${a}[a${i}]`);
  const graph = [
    ...chains,
    `${SECTIONS.map((_, i) => `[v${i}]`).join('')}concat=n=${SECTIONS.length}:v=1:a=0[v]`,
    ...audioChains,
    `${audio.map((_, i) => `[a${i}]`).join('')}concat=n=${audio.length}:v=0:a=1,pan=stereo|c0=c0|c1=c0[a]`,
  ].join(';');
  await ffmpeg(['-filter_complex', graph, '-map', '[v]', '-map', '[a]', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-t', String(seconds), file]);
  const silence = silences.map(([start, end]) => ({ label: 'silence', startFrame: Math.round(start * CUE_FPS), endFrame: Math.round(end * CUE_FPS) }));
  return { file, frameCount, video, silence };
}

/** Writes a copy of `clip` without its audio to `dir`. */
export async function withoutAudio(clip: string, dir: string): Promise<string> {
  const file = path.join(dir, 'no-audio.mp4');
  await ffmpeg(['-i', clip, '-map', '0:v', '-c', 'copy', file]);
  return file;
}
