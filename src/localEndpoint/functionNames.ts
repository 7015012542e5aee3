// How requests name a function: a name, a full or partial ARN (URL-encoded or not), optionally with
// the only qualifier the endpoint has, $LATEST; and the function ARNs that tag operations take.
import { invalidParameter, notFound } from './lambdaErrors';

export interface AccountRegion {
  region: string;
  accountId: string;
}

export function functionArn(where: AccountRegion, name: string): string {
  return `arn:aws:lambda:${where.region}:${where.accountId}:function:${name}`;
}

/** The function name a request means; another qualifier than $LATEST is not found. */
export function resolveFunctionName(where: AccountRegion, functionName: string): string {
  let rest = decodeURIComponentSafe(functionName);
  // Full ARN (arn:aws:lambda:region:account:function:name) or partial (account:function:name).
  const arn = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:(.*)$/.exec(rest);
  if (arn) rest = arn[1];
  const [name, qualifier] = rest.split(':');
  if (qualifier !== undefined && qualifier !== '$LATEST') {
    throw notFound(`${functionArn(where, name)}:${qualifier}`);
  }
  return name;
}

/** The function name in a resource ARN of this region and account; 400 for what is no function ARN, 404 for another region or account. */
export function functionNameOfArn(where: AccountRegion, resourceArn: string): string {
  const arn = decodeURIComponentSafe(resourceArn);
  const match = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)$/.exec(arn);
  if (!match) throw invalidParameter(`The resource you requested does not exist or the ARN is not a Lambda function ARN: ${arn}`);
  if (match[1] !== where.region || match[2] !== where.accountId) throw notFound(arn);
  return match[3];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
