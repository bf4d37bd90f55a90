// Test-only program: the fingerprint command on a fresh commander program, run in a child process.
import { Command } from 'commander';
import { registerFingerprintCommand } from '../../src/cli/commands/fingerprint.ts';

const program = new Command('superfilter').exitOverride();
registerFingerprintCommand(program);
await program.parseAsync(process.argv);
