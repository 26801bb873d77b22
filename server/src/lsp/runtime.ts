/**
 * How the language server's Node process is started. A 32 MB young generation (V8's default is 16 MB): an
 * edit allocates many short-lived objects (rendered views, compiled policies), and a larger nursery lets them
 * die there instead of being copied and promoted. Measured in `docs/performance.md` (P1 and P7). The VS Code
 * extension starts the server with these flags; other editors can give them through NODE_OPTIONS.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
