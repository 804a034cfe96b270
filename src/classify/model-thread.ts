// The model thread's script (see model-host.ts): loads TensorFlow.js, the classifier and the face
// analyzer once, then answers requests one at a time, in order.
import { parentPort } from 'node:worker_threads';
import { RoughcutError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { loadClassifier, type Classifier } from './classifier.js';
import { createFaceAnalyzer, type FaceAnalyzer } from './faces/analyzer.js';
import type { HostRequest, ModelHostInfo, ThreadReply } from './model-host.js';
import { loadTensorflow } from './tf-runtime.js';

const port = parentPort;
if (!port) throw new Error('model-thread.ts runs only as a worker thread (see model-host.ts)');

const send = (reply: ThreadReply): void => port.postMessage(reply);

/** Log records travel to the host's logger. */
const logger: Logger = {
  debug: (msg, fields) => send({ type: 'log', level: 'debug', msg, fields }),
  info: (msg, fields) => send({ type: 'log', level: 'info', msg, fields }),
  warn: (msg, fields) => send({ type: 'log', level: 'warn', msg, fields }),
  error: (msg, fields) => send({ type: 'log', level: 'error', msg, fields }),
};

let classifier: Classifier | undefined;
let faces: FaceAnalyzer | undefined;
// Requests run strictly in order: each waits for the one before it.
let queue: Promise<void> = Promise.resolve();

port.on('message', (request: HostRequest) => {
  queue = queue.then(() => handle(request)).catch((thrown: unknown) => {
    // Anything that is not already a RoughcutError is a classifier fault, not a decode one.
    const error = thrown instanceof RoughcutError ? thrown : new RoughcutError('CLASSIFIER_FAILED', `classifier: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    const id = 'id' in request ? request.id : undefined;
    send({ type: 'error', ...(id === undefined ? {} : { id }), code: error.code, message: error.message });
  });
});

async function handle(request: HostRequest): Promise<void> {
  switch (request.type) {
    case 'init': {
      const { options } = request;
      const runtime = await loadTensorflow({ backend: options.backend ?? 'auto', logger });
      if (options.model) classifier = await loadClassifier(options.model, { runtime, logger });
      if (options.characters) faces = await createFaceAnalyzer({ ...options.characters, runtime, logger });
      const info: ModelHostInfo = {
        backend: runtime.backend, skipped: runtime.skipped, gpu: runtime.gpu,
        ...(classifier ? { classifier: { classes: classifier.classes, architecture: classifier.architecture, inputSize: classifier.inputSize, modelDir: classifier.modelDir } } : {}),
        ...(faces ? { faces: { frameWidth: faces.frameWidth, sampleFps: faces.sampleFps, detector: faces.detector, threshold: faces.threshold, gallery: faces.gallery } } : {}),
      };
      send({ type: 'ready', info });
      return;
    }
    case 'classify': {
      if (!classifier) throw new Error('no classifier loaded');
      const scores = await classifier.classify(request.frames);
      send({ type: 'scores', id: request.id, scores });
      return;
    }
    case 'faces': {
      if (!faces) throw new Error('no face analyzer loaded');
      send({ type: 'faces', id: request.id, faces: await faces.analyzeFrame(request.frame) });
      return;
    }
    case 'close':
      classifier?.dispose();
      faces?.dispose();
      port!.close();
  }
}
