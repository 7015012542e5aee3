// Where the original study's CSVs are: $LAMBDA_LAB_SEED_DIR, the repo's data/seed-results, or the
// shared checkout beside the repo. Tests that need them skip (saying why) when none exists.
import { existsSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '.');

export function seedResultsDir(): string | null {
  const candidates = [
    process.env.LAMBDA_LAB_SEED_DIR,
    path.join(repoRoot, 'data', 'seed-results'),
    path.join(repoRoot, '..', 'shared', 'data', 'seed-results'),
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(path.join(candidate, 'AggregatedResults.csv'))) return candidate;
  }
  return null;
}

export const SEED_MISSING = 'the study data (data/seed-results) is not available; set LAMBDA_LAB_SEED_DIR';
