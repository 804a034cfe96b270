// Fixed-size records (raw video frames) read from a pipe, with or without backpressure.
import type { Readable } from 'node:stream';

export interface RecordReaderOptions {
  /**
   * Read ahead of the consumer, keeping up to this many whole records, instead of leaving them
   * in the pipe (64 KiB, less than one frame at most sizes). A decode with several outputs
   * needs it: ffmpeg writes its outputs in an order of its own, and blocks on a full pipe, so a
   * consumer waiting on one pipe while ffmpeg waits on another would wait forever. Default 0:
   * no read-ahead, the pipe alone holds ffmpeg back.
   */
  readonly readAhead?: number;
}

/**
 * Reads fixed-size records from a byte stream. By default in paused mode, so ffmpeg blocks as
 * soon as we fall behind; with `readAhead`, in flowing mode into a bounded queue of chunks.
 */
export class RecordReader {
  private ended = false;
  private waiters: (() => void)[] = [];
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly limit: number;

  constructor(private readonly stream: Readable, private readonly size: number, options: RecordReaderOptions = {}) {
    this.limit = (options.readAhead ?? 0) * size;
    if (this.limit > 0) {
      stream.on('data', (chunk: Buffer) => {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        if (this.buffered >= this.limit) stream.pause();
        if (this.buffered >= size) this.wake();
      });
    } else {
      stream.on('readable', () => this.wake());
    }
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
      const record = this.limit > 0 ? this.takeBuffered() : this.stream.read(this.size) as Buffer | null;
      if (record !== null) return new Uint8Array(record.buffer, record.byteOffset, record.byteLength);
      if (this.ended || this.stream.readableEnded) return null;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** One record from the queued chunks, or null when fewer bytes than a record are queued. */
  private takeBuffered(): Buffer | null {
    if (this.buffered < this.size) return null;
    const record = Buffer.allocUnsafe(this.size);
    let filled = 0;
    while (filled < this.size) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length, this.size - filled);
      chunk.copy(record, filled, 0, take);
      filled += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    this.buffered -= this.size;
    if (this.stream.isPaused() && this.buffered < this.limit) this.stream.resume();
    return record;
  }
}
