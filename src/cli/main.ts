/**
 * Entry point of the `superfilter` command (bin/superfilter.js and `npm start` run this file).
 * Exits explicitly once the command is done, so an idle keep-alive socket or timer cannot keep
 * a finished crawl's process alive.
 */
import { runCli } from './program.ts';

const code = await runCli(process.argv);
process.exit(code);
