// Lists the AWS profiles a user has on disk (shared config and credentials files), as the AWS CLI
// and SDK see them: honours AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE. Only names, regions and
// how each profile gets its credentials are read; secret values are never kept.
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/** How a profile obtains credentials; decides what to tell the user when they fail. */
export type ProfileCredentialKind = 'sso' | 'static' | 'credential-process' | 'assume-role' | 'web-identity' | 'login' | 'unknown';

export interface AwsProfileInfo {
  name: string;
  region?: string;
  kind: ProfileCredentialKind;
  /** Which of the two files mention the profile. */
  foundIn: Array<'config' | 'credentials'>;
}

export interface SharedFilePaths {
  configFile: string;
  credentialsFile: string;
}

type Env = Record<string, string | undefined>;

export function sharedFilePaths(env: Env = process.env): SharedFilePaths {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const expand = (p: string) => (p.startsWith('~/') || p === '~' ? path.join(home, p.slice(1)) : p);
  return {
    configFile: expand(env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config')),
    credentialsFile: expand(env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials')),
  };
}

/** Sections of an INI text: `{ "section name": { key: value } }`. Indented sub-properties are skipped. */
export function parseIniSections(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    if (/^\s/.test(rawLine) && current && rawLine.trim() !== '') continue; // nested value (e.g. "s3 =\n  addressing_style = path")
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      const name = header[1].trim().replace(/\s+/g, ' ');
      current = sections.get(name) ?? {};
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) {
      current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
    }
  }
  return sections;
}

function credentialKind(props: Record<string, string>): ProfileCredentialKind {
  if (props.sso_session || props.sso_start_url) return 'sso';
  if (props.credential_process) return 'credential-process';
  if (props.role_arn) return props.web_identity_token_file ? 'web-identity' : 'assume-role';
  if (props.login_session) return 'login';
  if (props.aws_access_key_id) return 'static';
  return 'unknown';
}

/**
 * Profiles from the two texts. In the config file a profile is `[default]` or `[profile name]`
 * (`[sso-session x]`, `[services x]` are not profiles); in the credentials file every section is.
 */
export function profilesFromTexts(configText: string, credentialsText: string): AwsProfileInfo[] {
  const byName = new Map<string, { props: Record<string, string>; foundIn: Set<'config' | 'credentials'> }>();
  const add = (name: string, props: Record<string, string>, file: 'config' | 'credentials') => {
    const entry = byName.get(name) ?? { props: {}, foundIn: new Set() };
    // The credentials file wins for keys; the config file for region (as the SDK resolves them).
    entry.props = file === 'credentials' ? { ...entry.props, ...props } : { ...props, ...entry.props };
    entry.foundIn.add(file);
    byName.set(name, entry);
  };
  for (const [section, props] of parseIniSections(configText)) {
    if (section === 'default') add('default', props, 'config');
    else if (section.startsWith('profile ')) add(section.slice('profile '.length).trim(), props, 'config');
  }
  for (const [section, props] of parseIniSections(credentialsText)) add(section, props, 'credentials');
  return [...byName.entries()]
    .map(([name, { props, foundIn }]) => ({
      name,
      region: props.region || undefined,
      kind: credentialKind(props),
      foundIn: [...foundIn].sort(),
    }))
    .sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}

async function readIfPresent(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new Error(`Could not read the AWS file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Every profile in the user's shared config and credentials files (empty when neither exists). */
export async function listAwsProfiles(env: Env = process.env): Promise<AwsProfileInfo[]> {
  const paths = sharedFilePaths(env);
  const [configText, credentialsText] = await Promise.all([readIfPresent(paths.configFile), readIfPresent(paths.credentialsFile)]);
  return profilesFromTexts(configText, credentialsText);
}

export async function findAwsProfile(name: string, env: Env = process.env): Promise<AwsProfileInfo | undefined> {
  return (await listAwsProfiles(env)).find((profile) => profile.name === name);
}
