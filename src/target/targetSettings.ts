// The target as VS Code settings describe it (lambdaLab.target/profile/region/endpoint/roleArn).
// Loaded at activation by the status bar item, so it imports nothing that loads the AWS SDK.
import * as vscode from 'vscode';
import type { TargetChoice, TargetKind } from '../aws/lambdaTarget';
import { describeTarget } from '../aws/targetDescription';

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
  if (choice.kind === 'endpoint')
    return describeTarget({ kind: 'endpoint', url: choice.endpoint ?? '(no URL set)', region: choice.region ?? 'us-east-1', profile: choice.profile });
  return describeTarget({ kind: 'aws', profile: choice.profile, region: choice.region ?? '(region from profile/environment)' });
}
