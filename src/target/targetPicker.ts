// The QuickPick flow that chooses where experiments run: "Local (built-in)", an AWS profile found
// on disk (then a region), the default credential chain, or a custom endpoint URL.
import * as vscode from 'vscode';
import { listAwsProfiles, type AwsProfileInfo } from '../aws/awsProfiles';
import type { TargetChoice } from '../aws/lambdaTarget';
import { readTargetChoice } from './targetSettings';

/** Regions offered in the pick (any other can be typed). */
export const COMMON_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-east-1',
  'me-south-1',
  'af-south-1',
];

type TargetItem = vscode.QuickPickItem & { choice?: TargetChoice; custom?: 'endpoint' };

const KIND_TEXT: Record<AwsProfileInfo['kind'], string> = {
  sso: 'SSO',
  static: 'access keys',
  'credential-process': 'credential_process',
  'assume-role': 'assume role',
  'web-identity': 'web identity',
  login: 'console login',
  unknown: 'profile',
};

export async function pickTarget(): Promise<TargetChoice | undefined> {
  const current = readTargetChoice();
  let profiles: AwsProfileInfo[] = [];
  try {
    profiles = await listAwsProfiles();
  } catch {
    // An unreadable AWS file is not fatal here: Local and custom endpoints still work.
  }
  const items: TargetItem[] = [
    { label: '$(server-process) Local (built-in)', description: 'no AWS account needed; CPU limited like Lambda', choice: { kind: 'local' } },
    { label: 'AWS profiles', kind: vscode.QuickPickItemKind.Separator },
    ...profiles.map<TargetItem>((p) => ({
      label: `$(cloud) ${p.name}`,
      description: `${KIND_TEXT[p.kind]}${p.region ? ` · ${p.region}` : ''}`,
      choice: { kind: 'aws', profile: p.name, region: p.region },
    })),
    { label: '$(cloud) Default credential chain', description: 'AWS_PROFILE, environment variables, instance role', choice: { kind: 'aws' } },
    { label: 'Other', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(link) Custom endpoint…', description: 'LocalStack, moto, or a running `lambda-lab endpoint`', custom: 'endpoint' },
  ];
  for (const item of items) {
    const c = item.choice;
    if (c && c.kind === current.kind && (c.kind === 'local' || c.profile === current.profile)) item.picked = true;
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'Lambda Lab: where should experiments run?', placeHolder: 'Pick a target' });
  if (!picked) return undefined;

  if (picked.custom === 'endpoint') {
    const url = await vscode.window.showInputBox({
      title: 'Lambda-compatible endpoint URL',
      value: current.endpoint ?? 'http://127.0.0.1:4566',
      validateInput: (text) => (/^https?:\/\/[^\s/]+/.test(text.trim()) ? undefined : 'Enter a URL such as http://127.0.0.1:4566'),
    });
    if (!url) return undefined;
    const region = await pickRegion(current.region ?? 'us-east-1');
    if (!region) return undefined;
    return { kind: 'endpoint', endpoint: url.trim(), region, profile: current.kind === 'endpoint' ? current.profile : undefined };
  }
  const choice = picked.choice!;
  if (choice.kind === 'local') return choice;
  const region = await pickRegion(choice.region ?? current.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION);
  if (!region) return undefined;
  return { ...choice, region };
}

export async function pickRegion(preferred?: string): Promise<string | undefined> {
  const regions = preferred ? [preferred, ...COMMON_REGIONS.filter((r) => r !== preferred)] : COMMON_REGIONS;
  const other = '$(edit) Other region…';
  const picked = await vscode.window.showQuickPick(
    [...regions.map((r) => ({ label: r, description: r === preferred ? 'current' : undefined })), { label: other }],
    {
      title: 'AWS region',
      placeHolder: 'Region for the experiment functions',
    },
  );
  if (!picked) return undefined;
  if (picked.label !== other) return picked.label;
  const typed = await vscode.window.showInputBox({
    title: 'AWS region name',
    placeHolder: 'e.g. eu-central-2',
    validateInput: (text) => (/^[a-z]{2}(-[a-z]+)+-\d$/.test(text.trim()) ? undefined : 'A region name looks like eu-central-2'),
  });
  return typed?.trim() || undefined;
}
