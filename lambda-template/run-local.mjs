// Runs the experiment function on this machine, the way Lambda would call it, and prints the result.
//   node run-local.mjs --workers 2 --items 20 --cost 8 [--strategy pool|batch|warm] [--verify]
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { handler } from './index.mjs';

const usage = `Usage: node run-local.mjs [--items N] [--workers N] [--cost N] [--strategy pool|batch|warm] [--verify]

  --items     passwords to hash (default 20)
  --workers   worker threads (default 1)
  --cost      bcrypt cost, 4..31 (default 10; each +1 doubles the work)
  --strategy  pool (threads pull the next item), batch (start, join, repeat) or warm (pool on threads kept
              for the next invocation); default pool
  --verify    check every hash with bcrypt.compareSync afterwards
`;

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      items: { type: 'string' },
      workers: { type: 'string' },
      cost: { type: 'string' },
      strategy: { type: 'string' },
      verify: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  process.stderr.write(`${error.message}\n\n${usage}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(usage);
  process.exit(0);
}

// Numbers are passed through as typed so the handler's own validation judges them.
const asNumber = (text) => (text === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text);
const event = {
  items: asNumber(options.items),
  workers: asNumber(options.workers),
  cost: asNumber(options.cost),
  strategy: options.strategy,
  returnHashes: options.verify,
};

const result = await handler(event);
if (result.error) {
  process.stderr.write(`${result.error}\n`);
  process.exit(1);
}

if (options.verify) {
  const failures = result.hashes.filter(({ password, hash }) => !bcrypt.compareSync(password, hash));
  const verified = result.hashes.length - failures.length;
  delete result.hashes;
  result.verified = `${verified}/${result.items}`;
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (failures.length > 0 || verified !== result.items) {
    process.stderr.write(`${failures.length} of ${result.items} hashes did not verify.\n`);
    process.exit(1);
  }
  process.stderr.write(`All ${verified} hashes verify with bcrypt.compareSync.\n`);
} else {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
