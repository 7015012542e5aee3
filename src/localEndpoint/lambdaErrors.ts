// Errors in the shape AWS Lambda sends them: status code, `x-amzn-ErrorType` header and a JSON
// body `{"Type": "User", "message": "..."}` (ResourceNotFoundException spells it "Message").

export class LambdaApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly extraHeaders: Record<string, string> = {},
    readonly extraBody: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = errorType;
  }

  body(): Record<string, unknown> {
    const messageKey = this.errorType === 'ResourceNotFoundException' ? 'Message' : 'message';
    const type = this.status >= 500 ? 'Service' : 'User';
    return { Type: type, [messageKey]: this.message, ...this.extraBody };
  }
}

export const notFound = (arn: string): LambdaApiError => new LambdaApiError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);

export const updateInProgress = (arn: string): LambdaApiError =>
  new LambdaApiError(409, 'ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`);

export const invalidParameter = (message: string): LambdaApiError => new LambdaApiError(400, 'InvalidParameterValueException', message);

/** AWS's wording for a constraint the request model itself enforces (one error per request, as AWS mostly reports). */
export const validationError = (value: unknown, field: string, constraint: string): LambdaApiError =>
  new LambdaApiError(
    400,
    'ValidationException',
    `1 validation error detected: Value ${value === null || value === undefined ? 'null' : `'${String(value)}'`} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
