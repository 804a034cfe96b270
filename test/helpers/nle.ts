// The NLE importers in ../shared/tools/nle (OpenShot's own EDL and FCP7 XML importers, headless).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'tools', 'nle');
/** check-edl: imports an EDL through OpenShot and compares with a strict reading. */
export const CHECK_EDL = path.join(NLE, 'check-edl');
/** openshot_import.py: imports an EDL or FCP7 XML through OpenShot and prints the clips. */
export const OPENSHOT_IMPORT = path.join(NLE, 'openshot_import.py');

/** Why the OpenShot-based checks cannot run here, or undefined when they can. */
export function openshotSkipReason(tool: string = CHECK_EDL): string | undefined {
  if (!existsSync(tool)) return `${path.basename(tool)} not found at ${tool}`;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import openshot'], { stdio: 'ignore' });
  } catch {
    return 'OpenShot bindings missing: /usr/bin/python3 -c "import openshot" failed (apt-get install openshot-qt)';
  }
  return undefined;
}
