// Masks credentials in text bound for logs, so an access key or secret that slips into an error
// message never reaches the output channel or a file. Pure.

/** Access key ids (AKIA…/ASIA…) keep their prefix; values of secret-like assignments become ****. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '$1****')
    .replace(
      /((?:aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token|secretAccessKey|sessionToken)["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi,
      '$1****',
    );
}
