// GetFunction's Code.Location, as Lambda's presigned S3 URL: whoever holds the URL may download
// the function's zip for a short while. The URL carries its expiry and an HMAC over the function
// name, code hash and expiry with a key generated at start, so it cannot be guessed or extended.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Lambda's presigned code URLs are valid for 10 minutes. */
export const CODE_URL_LIFETIME_MS = 10 * 60_000;

export class CodeUrlSigner {
  private readonly key = randomBytes(32);

  /** The path-and-query part of a download URL for this code, valid from `now` for CODE_URL_LIFETIME_MS. */
  pathFor(functionName: string, codeSha256: string, now = Date.now()): string {
    const expires = now + CODE_URL_LIFETIME_MS;
    return `/lambda-lab/code/${expires}-${this.sign(functionName, codeSha256, expires)}/${encodeURIComponent(functionName)}?sha=${encodeURIComponent(codeSha256)}`;
  }

  /** Whether a token from such a URL is ours, for this name and hash, and not expired. */
  verify(token: string, functionName: string, codeSha256: string, now = Date.now()): boolean {
    const match = /^(\d{1,15})-([0-9a-f]{64})$/.exec(token);
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires < now) return false;
    const expected = Buffer.from(this.sign(functionName, codeSha256, expires), 'hex');
    return timingSafeEqual(expected, Buffer.from(match[2], 'hex'));
  }

  private sign(functionName: string, codeSha256: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${functionName}\n${codeSha256}\n${expires}`).digest('hex');
  }
}
