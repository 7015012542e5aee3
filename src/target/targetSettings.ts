// The target as VS Code settings describe it (lambdaLab.target/profile/region/endpoint/roleArn),
// and how a command turns it into SDK-ready form — starting the built-in endpoint when needed.
import * as vscode from 'vscode';
import { chooseTarget, describeTarget, resolveTarget, verifyCredentials, type ResolvedTarget, type TargetChoice, type TargetKind } from '../aws/lambdaTarget';
import { readEndpointState } from '../localEndpoint/endpointStateFile';
import type { LocalEndpointService } from './localEndpointService';

const SECTION = 'lambdaLab';

export function readTargetChoice(): TargetChoice & { kind: TargetKind } {
  const config = vscode.workspace.getConfiguration(SECTION);
  const text = (key: string) => config.get<string>(key)?.trim() || undefined;
  const kind = text('target');
  return {
    kind: kind === 'aws' || kind === 'endpoint' ? kind : 'local',
    profile: text('profile'),
    region: text('region'),
    endpoint: text('endpoint'),
  };
}

export function readRoleArnSetting(): string | undefined {
  return vscode.workspace.getConfiguration(SECTION).get<string>('roleArn')?.trim() || undefined;
}

/** Writes where the user already keeps the setting (workspace if set there), else user settings. */
async function updateSetting(key: string, value: string | undefined): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect(key);
  const where = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  if (config.get(key) === value || (value === undefined && !config.get(key))) return;
  await config.update(key, value, where);
}

export async function saveTargetChoice(choice: TargetChoice): Promise<void> {
  await updateSetting('target', choice.kind ?? 'local');
  if (choice.kind !== 'local') {
    await updateSetting('profile', choice.profile ?? '');
    await updateSetting('region', choice.region ?? '');
  }
  if (choice.kind === 'endpoint') await updateSetting('endpoint', choice.endpoint ?? '');
}

export async function saveRoleArn(roleArn: string): Promise<void> {
  await updateSetting('roleArn', roleArn);
}

/** Short text for the status bar, e.g. "Local", "dev · eu-west-1", "127.0.0.1:4566". */
export function shortTargetLabel(choice: TargetChoice): string {
  if (choice.kind === 'local' || !choice.kind) return 'Local';
  if (choice.kind === 'endpoint') {
    try {
      return new URL(choice.endpoint ?? '').host || 'custom endpoint';
    } catch {
      return 'custom endpoint';
    }
  }
  return `${choice.profile ?? process.env.AWS_PROFILE ?? 'default'}${choice.region ? ` · ${choice.region}` : ''}`;
}

export function longTargetLabel(choice: TargetChoice): string {
  if (choice.kind === 'local' || !choice.kind) return describeTarget({ kind: 'local' });
  if (choice.kind === 'endpoint') return describeTarget({ kind: 'endpoint', url: choice.endpoint ?? '(no URL set)', region: choice.region ?? 'us-east-1', profile: choice.profile });
  return describeTarget({ kind: 'aws', profile: choice.profile, region: choice.region ?? '(region from profile/environment)' });
}

/**
 * The SDK-ready target for a choice (default: the settings). For Local, the window's built-in
 * endpoint is started if needed. Credentials are loaded once here, so an expired login is
 * reported before any work starts (as a TargetError naming the profile and what to run).
 */
export async function resolveConfiguredTarget(localEndpoints: LocalEndpointService, choice: TargetChoice = readTargetChoice()): Promise<ResolvedTarget> {
  if ((choice.kind ?? 'local') === 'local') {
    const handle = await localEndpoints.ensureStarted();
    return resolveTarget({ kind: 'local' }, { localEndpoint: handle });
  }
  const target = await chooseTarget(choice);
  // A custom endpoint may be this window's built-in endpoint or one started by `lambda-lab endpoint`.
  const localEndpoint = target.kind === 'endpoint' ? localEndpoints.running ?? (await readEndpointState().catch(() => null)) : null;
  const resolved = await resolveTarget(target, { localEndpoint });
  await verifyCredentials(resolved);
  return resolved;
}
