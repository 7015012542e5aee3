// Imported first by src/cli.ts, so it runs before any AWS SDK module loads. The SDK warns on every
// run under Node < 22 that its 2027 releases will need Node 22 (about the SDK, not the user's work:
// noise in every CLI output). An explicit setting in the environment still wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
