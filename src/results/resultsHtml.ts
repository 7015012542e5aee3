// The results view's HTML shell and its Content-Security-Policy. Pure (no vscode), so the Chromium
// test serves exactly this page with exactly this policy.

export interface ResultsHtmlInput {
  /** `webview.cspSource` in VS Code; the harness's own origin in tests. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** No inline styles, no eval, scripts only by nonce; images only from us and data: URLs (chart exports). */
export function resultsContentSecurityPolicy(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `img-src ${cspSource} data:`, `style-src ${cspSource}`, `font-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
}

const escapeAttribute = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function resultsPageHtml(input: ResultsHtmlInput): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(input.nonce)) throw new Error('The CSP nonce must be at least 16 base64 characters.');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(resultsContentSecurityPolicy(input.cspSource, input.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(input.styleUri)}">
<title>Lambda Lab results</title>
</head>
<body>
<main id="app" aria-label="Lambda Lab results"></main>
<script nonce="${escapeAttribute(input.nonce)}" src="${escapeAttribute(input.scriptUri)}"></script>
</body>
</html>`;
}
