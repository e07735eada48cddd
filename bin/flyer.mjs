#!/usr/bin/env node
// The `flyer` command: loads the TypeScript sources through tsx, so no build step stands between a
// fresh clone and a working CLI.
import { register } from 'tsx/esm/api';

register();
await import('../system/cli/main.ts');
