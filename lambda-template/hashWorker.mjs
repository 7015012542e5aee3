// One worker thread of the experiment: hashes the passwords the main thread sends it.
// Protocol (see index.mjs): -> { type: 'ready' } once loaded; <- { type: 'hash', index, password, cost };
// -> { type: 'done', index, hash } per item. The main thread terminates the worker when done, or,
// with the warm strategy, keeps it for the next invocation (it holds no state between items).
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

if (!parentPort) {
  throw new Error('hashWorker.mjs must be started as a worker thread by index.mjs, not run directly.');
}

parentPort.on('message', (message) => {
  if (message?.type !== 'hash') return;
  const hash = bcrypt.hashSync(message.password, message.cost);
  parentPort.postMessage({ type: 'done', index: message.index, hash });
});

parentPort.postMessage({ type: 'ready' });
