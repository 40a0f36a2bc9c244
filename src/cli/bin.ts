#!/usr/bin/env node
// The `pgduet` executable. Node starts its inspector (a debugger listening on 127.0.0.1:9229)
// when SIGUSR1 arrives and nothing handles it; for pgduet SIGUSR1 means "reload the schema".
// So the very first thing is a handler, before the ~200 ms of module loading that follow,
// and it stays for the life of the process (the server adds its own once it is up).
process.on('SIGUSR1', () => undefined);
await import('./main.js');
