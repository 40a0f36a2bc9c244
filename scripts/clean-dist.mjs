// Removes dist/ before a packed build, so the package never carries files of an older build
// (tsc only adds and overwrites; it does not delete what a renamed source left behind).
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
