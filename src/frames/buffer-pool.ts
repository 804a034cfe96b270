// Raw picture buffers reused by size, for pictures and frames that are kept a while.

/**
 * Buffers handed out by byte length and given back for reuse: a buffer that is kept a while and
 * then dropped outlives V8's young generation, and its memory waits for a full collection, which
 * external memory triggers only tens of megabytes later. A pool holds as many buffers of a size as
 * were ever out at once, for as long as its owner keeps it.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();

  take(size: number): Buffer {
    return this.free.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  give(buffer: Uint8Array): void {
    const kept = Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const list = this.free.get(kept.length);
    if (list) list.push(kept);
    else this.free.set(kept.length, [kept]);
  }
}
