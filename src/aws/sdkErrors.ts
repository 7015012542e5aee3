// How an AWS SDK error is classified where the caller's next step depends on it.

interface SdkErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

// Lambda says ResourceNotFoundException, IAM NoSuchEntity(Exception). A bare 404 also means the
// resource is gone, except for an unknown operation (a wrong endpoint URL), which is not "absent".
const NOT_FOUND_NAMES = new Set(['ResourceNotFoundException', 'NoSuchEntityException', 'NoSuchEntity']);

/** True when the SDK error says the function, alias or role does not exist. */
export function isNotFoundError(error: unknown): boolean {
  const e = error as SdkErrorShape | null | undefined;
  if (typeof e !== 'object' || e === null) return false;
  if (e.name !== undefined && NOT_FOUND_NAMES.has(e.name)) return true;
  return e.$metadata?.httpStatusCode === 404 && e.name !== 'UnknownOperationException';
}
