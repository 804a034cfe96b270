// Fixed-size records (raw video frames) read from a pipe with backpressure.
import type { Readable } from 'node:stream';

/** Reads fixed-size records from a byte stream in paused mode, so ffmpeg blocks when we fall behind. */
export class RecordReader {
  private ended = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly stream: Readable, private readonly size: number) {
    stream.on('readable', () => this.wake());
    stream.on('end', () => { this.ended = true; this.wake(); });
    stream.on('close', () => { this.ended = true; this.wake(); });
    stream.on('error', () => { this.ended = true; this.wake(); });
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** The next record, or null at the end of the stream (a trailing partial record is dropped). */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.stream.read(this.size) as Buffer | null;
      if (chunk !== null) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (this.ended || this.stream.readableEnded) return null;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
