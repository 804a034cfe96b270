// Test media with real faces: cut-outs of the sample photos face-api ships, composed with sharp and ffmpeg.
import { createRequire } from 'node:module';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ffmpeg } from './media.js';

const require = createRequire(import.meta.url);
const DEMO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/**
 * People in face-api's demo photos (1920 px wide), by their face box in that photo as face-api's
 * SSD detector finds it (x, y, width, height). Different people; no one appears twice.
 */
export const PEOPLE = {
  alice: { photo: 'sample1.jpg', face: [1476, 201, 201, 237] },
  bea: { photo: 'sample1.jpg', face: [411, 354, 180, 240] },
  cleo: { photo: 'sample2.jpg', face: [1446, 153, 195, 243] },
} as const;
export type Person = keyof typeof PEOPLE;

/** The photo a person is cut from. */
export function demoPhoto(name: string): string {
  return path.join(DEMO, name);
}

/** A head-and-shoulders cut-out of a person (RGB), from the full-resolution photo, with the face box inside it. */
export async function cutOut(person: Person): Promise<{ data: Buffer; width: number; height: number; faceHeight: number; face: { x: number; y: number; width: number; height: number } }> {
  const { photo, face } = PEOPLE[person];
  const [x, y, w, h] = face;
  const meta = await sharp(demoPhoto(photo)).metadata();
  const left = Math.max(0, Math.round(x - 0.6 * w));
  const top = Math.max(0, Math.round(y - 0.5 * h));
  const width = Math.min(meta.width! - left, Math.round(2.2 * w));
  const height = Math.min(meta.height! - top, Math.round(2.3 * h));
  const { data, info } = await sharp(demoPhoto(photo)).extract({ left, top, width, height }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, faceHeight: h, face: { x: x - left, y: y - top, width: w, height: h } };
}

/** A JPEG photo of one person for the gallery (head and shoulders, full resolution). */
export async function galleryPhoto(person: Person, file: string): Promise<string> {
  const c = await cutOut(person);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(c.data, { raw: { width: c.width, height: c.height, channels: 3 } }).jpeg({ quality: 92 }).toFile(file);
  return file;
}

/** One shot: a person at a face height (fraction of the frame height), or no one. */
export interface FaceShot {
  readonly person: Person | null;
  readonly faceHeight: number;
  /** Horizontal centre of the face as a fraction of the frame width; default 0.5. */
  readonly centerX?: number;
}

/**
 * A still of `width`x`height`: the person's cut-out scaled so the face is `faceHeight` of the
 * frame, on a grey background (a flat blue one for a shot with no one).
 */
export async function shotStill(shot: FaceShot, width: number, height: number): Promise<Buffer> {
  const background = shot.person ? { r: 96, g: 96, b: 100 } : { r: 40, g: 60, b: 140 };
  const canvas = sharp({ create: { width, height, channels: 3, background } });
  if (!shot.person) return canvas.png().toBuffer();
  const c = await cutOut(shot.person);
  const scale = (shot.faceHeight * height) / c.faceHeight;
  const w = Math.max(1, Math.round(c.width * scale));
  const h = Math.max(1, Math.round(c.height * scale));
  let piece = await sharp(c.data, { raw: { width: c.width, height: c.height, channels: 3 } }).resize(w, h).png().toBuffer();
  // The face sits about 0.5 face heights below the cut-out's top; keep it inside the frame.
  const faceTop = Math.round(0.5 * c.faceHeight * scale);
  let left = Math.round((shot.centerX ?? 0.5) * width - w / 2);
  let top = Math.round(height * 0.42 - faceTop - (shot.faceHeight * height) / 2);
  // Crop what falls outside the canvas (composite needs the overlay inside it).
  const cropLeft = Math.max(0, -left);
  const cropTop = Math.max(0, -top);
  const visibleW = Math.min(w - cropLeft, width - Math.max(0, left));
  const visibleH = Math.min(h - cropTop, height - Math.max(0, top));
  piece = await sharp(piece).extract({ left: cropLeft, top: cropTop, width: visibleW, height: visibleH }).png().toBuffer();
  left = Math.max(0, left);
  top = Math.max(0, top);
  return canvas.composite([{ input: piece, left, top }]).png().toBuffer();
}

/** An interview of six 2-second shots: Alice, Cleo, an empty set, Alice wide, Cleo close, Bea. */
export const INTERVIEW_SHOTS: readonly FaceShot[] = [
  { person: 'alice', faceHeight: 0.4 },
  { person: 'cleo', faceHeight: 0.22 },
  { person: null, faceHeight: 0 },
  { person: 'alice', faceHeight: 0.16, centerX: 0.3 },
  { person: 'cleo', faceHeight: 0.35, centerX: 0.6 },
  { person: 'bea', faceHeight: 0.2 },
];

/**
 * An H.264 video of the shots, `secondsPerShot` each at `fps`, hard cuts between them. Each still
 * drifts slowly (a 4% push-in over the shot), so consecutive frames differ like real footage.
 * Returns the first frame of each shot.
 */
export async function faceVideo(out: string, shots: readonly FaceShot[], options: { width?: number; height?: number; fps?: number; secondsPerShot?: number } = {}): Promise<number[]> {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const fps = options.fps ?? 25;
  const frames = Math.round((options.secondsPerShot ?? 2) * fps);
  const dir = `${out}.stills`;
  await fs.mkdir(dir, { recursive: true });
  const inputs: string[] = [];
  const chains: string[] = [];
  for (const [i, shot] of shots.entries()) {
    const file = path.join(dir, `shot-${i}.png`);
    await fs.writeFile(file, await shotStill(shot, width * 2, height * 2));
    inputs.push('-loop', '1', '-framerate', String(fps), '-t', String(frames / fps), '-i', file);
    chains.push(`[${i}:v]zoompan=z='1+0.04*on/${frames}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${width}x${height}:fps=${fps},trim=end_frame=${frames},setpts=PTS-STARTPTS,format=yuv420p[v${i}]`);
  }
  const graph = `${chains.join(';')};${shots.map((_, i) => `[v${i}]`).join('')}concat=n=${shots.length}:v=1:a=0[v]`;
  await ffmpeg([...inputs, '-filter_complex', graph, '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-g', String(fps), '-r', String(fps), out]);
  await fs.rm(dir, { recursive: true, force: true });
  return shots.map((_, i) => i * frames);
}
