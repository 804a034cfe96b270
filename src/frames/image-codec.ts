// sharp as roughcut uses it: one libvips thread per operation and no operation cache.
import sharp from 'sharp';

// roughcut runs image work beside a decode that already keeps every core busy, and never repeats
// an operation: libvips' own threads and cache only add memory (each thread grows its own malloc
// arena; a 180-shot contact sheet peaked 40 MB higher with them).
sharp.concurrency(1);
sharp.cache(false);

export default sharp;
