/**
 * The lab's power controller as a process: `node power-main.js --listen 192.0.2.254:8090 ha1=PID ha2=PID`,
 * started by the lab inside its namespace; it lives until the lab kills it.
 */
import { parsePowerArgs, pidTarget, startPowerController } from './power.js';

const parsed = parsePowerArgs(process.argv.slice(2));
if ('error' in parsed) {
  process.stderr.write(`power controller: ${parsed.error}\n`);
  process.exit(2);
}
const targets = new Map(
  [...parsed.pids].map(([name, pid]) => [name, { ...pidTarget(pid), address: parsed.addresses.get(name) }]),
);
startPowerController(parsed.listen, targets, (l) => process.stdout.write(`${l}\n`)).then(
  () => process.stdout.write(`power controller: listening on ${parsed.listen.host}:${parsed.listen.port}\n`),
  (err: unknown) => {
    process.stderr.write(`power controller: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
