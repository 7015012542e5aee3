// Signing as botocore (hence the AWS CLI) does for Lambda: SigV4 without an x-amz-content-sha256
// header, so the body's hash appears only inside the canonical request. Built on the SDK's own
// signer (@smithy/signature-v4) with applyChecksum off, which is exactly that difference.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';

type Bytes = string | ArrayBuffer | ArrayBufferView;

function bytes(data: Bytes): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** SHA-256 (HMAC-SHA256 when given a secret) in the shape the SDK's signer takes. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: Bytes) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Bytes): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {}
}

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export function botocoreSigner(credentials: KeyPair, region: string): SignatureV4 {
  return new SignatureV4({ credentials, region, service: 'lambda', sha256: NodeSha256, applyChecksum: false });
}

/** An SDK client whose requests carry no x-amz-content-sha256, as the AWS CLI's do. */
export function botocoreStyleClient(handle: KeyPair & { endpoint: string; region: string }): LambdaClient {
  const credentials = { accessKeyId: handle.accessKeyId, secretAccessKey: handle.secretAccessKey };
  return new LambdaClient({
    endpoint: handle.endpoint,
    region: handle.region,
    credentials,
    signer: botocoreSigner(credentials, handle.region),
    maxAttempts: 1,
  });
}
