// The leadpoet-auth Edge Function: hotkey challenge in, short-lived JWT out (docs/auth.md).
// Everything it does is in the shared core, which the CLI runs and the tests exercise under Node;
// this entry point only hands it Deno's environment and server.
import {issuerHandlerFromEnv} from '../../../src/auth/core.ts'

Deno.serve(issuerHandlerFromEnv(Deno.env.toObject()))
