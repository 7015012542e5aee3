// The program each execution environment runs: a tiny stand-in for Lambda's Node.js runtime.
// It is written to disk as a CommonJS file at endpoint start (so it works the same from the
// tsc output, the CLI bundle and the extension bundle) and spoken to over Node's IPC channel:
//   parent -> {type:'init', taskRoot, handler}            child -> {type:'ready'} | {type:'initError', ...}
//   parent -> {type:'invoke', requestId, payload, ...}    child -> {type:'result', ...}
// Before every result the child writes an end marker to stdout and stderr, so the parent knows
// it has all of the invocation's log output.

/** Messages from the parent to the bootstrap. */
export type ToRuntime =
  { type: 'init'; taskRoot: string; handler: string } | { type: 'invoke'; requestId: string; payload: string; deadlineEpochMs: number; functionArn: string };

/** Messages from the bootstrap to the parent. */
export type FromRuntime =
  | { type: 'ready'; moduleLoadMs: number }
  | { type: 'initError'; errorType: string; errorMessage: string; trace: string[] }
  | { type: 'result'; requestId: string; ok: boolean; body: string; durationMs: number; maxRssKb: number; fatal: boolean };

export const END_MARKER_PREFIX = '<<lambda-lab-end:';

export const RUNTIME_BOOTSTRAP_SOURCE = String.raw`'use strict';
// Lambda Parallel Lab execution environment bootstrap (generated; see src/localEndpoint/runtimeBootstrap.ts).
const path = require('node:path');
const fs = require('node:fs');
const util = require('node:util');
const { pathToFileURL } = require('node:url');
const { performance } = require('node:perf_hooks');

const markerNonce = process.env.LAMBDA_LAB_MARKER_NONCE || 'x';
delete process.env.LAMBDA_LAB_MARKER_NONCE;
const fault = process.env.LAMBDA_LAB_FAULT || '';
let handlerFn = null;
let currentRequestId = null;
let currentDone = null;

function send(message) {
  if (process.connected) process.send(message);
}

// Error messages and traces name the code folder as Lambda does (/var/task), never the endpoint's
// own folders, which callers have no business knowing; the runtime's own folder reads /var/runtime.
let codeFolder = null;
const runtimeFolder = path.dirname(__filename);
function publicPath(text) {
  const masked = String(text).split(runtimeFolder).join('/var/runtime');
  return codeFolder ? masked.split(codeFolder).join('/var/task') : masked;
}

function errorFields(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: publicPath(error.message), trace: publicPath(String(error.stack || '')).split('\n') };
  }
  return { errorType: typeof error, errorMessage: publicPath(String(error)), trace: [] };
}

// Lambda's Node runtime prefixes console output with time, request id and level.
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    process.stdout.write(new Date().toISOString() + '\t' + (currentRequestId || 'undefined') + '\t' + level + '\t' + util.format(...args) + '\n');
  };
}

function resolveModule(taskRoot, moduleName) {
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = path.resolve(taskRoot, moduleName + extension);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** The handler's module must really lie inside the code folder (no "..", no symlink out of it). */
function insideCodeFolder(taskRoot, file) {
  try {
    const root = fs.realpathSync(taskRoot);
    const real = fs.realpathSync(file);
    return real.startsWith(root + path.sep);
  } catch {
    return false;
  }
}

async function init(taskRoot, handler) {
  const started = performance.now();
  codeFolder = taskRoot;
  const dot = handler.lastIndexOf('.');
  const slash = handler.lastIndexOf('/');
  if (dot <= 0 || dot < slash || dot === handler.length - 1) {
    send({ type: 'initError', errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler ' + handler + ': expected "file.export" (for example "index.handler")', trace: [] });
    return;
  }
  const moduleName = handler.slice(0, handler.indexOf('.', slash + 1));
  const exportPath = handler.slice(moduleName.length + 1).split('.');
  const file = resolveModule(taskRoot, moduleName);
  if (!file) {
    send({ type: 'initError', errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module '" + moduleName + "' in the function's code (looked for .js, .mjs, .cjs)", trace: [] });
    return;
  }
  if (!insideCodeFolder(taskRoot, file)) {
    send({ type: 'initError', errorType: 'Runtime.HandlerNotFound', errorMessage: 'Bad handler ' + handler + ": its module lies outside the function's code folder. Name a file inside the deployment package.", trace: [] });
    return;
  }
  let loaded;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (error) {
    const fields = errorFields(error);
    send({ type: 'initError', errorType: 'Runtime.ImportModuleError', errorMessage: fields.errorType + ': ' + fields.errorMessage, trace: fields.trace });
    return;
  }
  let target = loaded;
  for (const key of exportPath) target = target == null ? undefined : target[key];
  if (typeof target !== 'function' && loaded && loaded.default) {
    target = loaded.default;
    for (const key of exportPath) target = target == null ? undefined : target[key];
  }
  if (typeof target !== 'function') {
    send({ type: 'initError', errorType: 'Runtime.HandlerNotFound', errorMessage: handler + ' is undefined or not exported', trace: [] });
    return;
  }
  handlerFn = target;
  send({ type: 'ready', moduleLoadMs: performance.now() - started });
}

function runHandler(event, context) {
  if (fault === 'crash') process.exit(1);
  if (fault === 'hang') return new Promise(() => {});
  if (fault === 'error') throw new Error('Injected fault (LAMBDA_LAB_FAULT=error)');
  if (handlerFn.length >= 3) {
    return new Promise((resolve, reject) => {
      const result = handlerFn(event, context, (error, value) => (error ? reject(error) : resolve(value)));
      if (result && typeof result.then === 'function') result.then(resolve, reject);
    });
  }
  return handlerFn(event, context);
}

function flushMarkers(requestId) {
  const marker = '${END_MARKER_PREFIX}' + markerNonce + ':' + requestId + '>>\n';
  return Promise.all([
    new Promise((resolve) => process.stdout.write(marker, resolve)),
    new Promise((resolve) => process.stderr.write(marker, resolve)),
  ]);
}

async function finish(requestId, ok, body, started, fatal) {
  if (currentDone !== requestId) return;
  currentDone = null;
  const durationMs = performance.now() - started;
  await flushMarkers(requestId);
  send({ type: 'result', requestId, ok, body, durationMs, maxRssKb: process.resourceUsage().maxRSS, fatal });
  currentRequestId = null;
  if (fatal) setTimeout(() => process.exit(1), 10);
}

let invocationStarted = 0;
async function invoke(message) {
  currentRequestId = message.requestId;
  currentDone = message.requestId;
  const started = performance.now();
  invocationStarted = started;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineEpochMs - Date.now()),
  };
  let event;
  try {
    event = JSON.parse(message.payload === '' ? 'null' : message.payload);
  } catch (error) {
    await finish(message.requestId, false, JSON.stringify({ errorType: 'Runtime.InvalidPayload', errorMessage: 'Could not parse request body into json: ' + error.message }), started, false);
    return;
  }
  try {
    const value = await runHandler(event, context);
    let body;
    try {
      body = value === undefined ? 'null' : JSON.stringify(value);
    } catch (error) {
      throw Object.assign(new Error('Unable to stringify response body: ' + error.message), { name: 'Runtime.UnmarshalError' });
    }
    await finish(message.requestId, true, body, started, false);
  } catch (error) {
    const fields = errorFields(error);
    console.error('Invoke Error \t' + JSON.stringify({ errorType: fields.errorType, errorMessage: fields.errorMessage, stack: fields.trace }));
    await finish(message.requestId, false, JSON.stringify(fields), started, false);
  }
}

// Like Lambda's runtime: an error nobody caught fails the invocation and ends the environment.
function fatal(kind, error) {
  const fields = errorFields(error);
  const errorType = kind === 'rejection' ? 'Runtime.UnhandledPromiseRejection' : fields.errorType;
  process.stderr.write(new Date().toISOString() + '\t' + (currentRequestId || 'undefined') + '\tERROR\t' + (kind === 'rejection' ? 'Unhandled Promise Rejection \t' : 'Uncaught Exception \t') + JSON.stringify({ errorType, errorMessage: fields.errorMessage, stack: fields.trace }) + '\n');
  if (currentDone) {
    void finish(currentDone, false, JSON.stringify({ errorType, errorMessage: fields.errorMessage, trace: fields.trace }), invocationStarted, true);
  } else {
    process.exit(1);
  }
}
process.on('uncaughtException', (error) => fatal('exception', error));
process.on('unhandledRejection', (error) => fatal('rejection', error));

process.on('message', (message) => {
  if (message.type === 'init') void init(message.taskRoot, message.handler);
  else if (message.type === 'invoke') void invoke(message);
});
process.on('disconnect', () => process.exit(0));
`;
