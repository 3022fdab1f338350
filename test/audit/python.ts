import { spawnSync } from 'node:child_process';

/**
 * The Python that runs tools/verify-log.py in tests: python3 (or TIP_TEST_PYTHON), 3.8 or later,
 * standard library only. Without one the Python checks are skipped with the reason printed,
 * except under CI=true, where that is a failure: CI must run the independent verifier.
 */
export function pythonForTests(): { command?: string; reason?: string } {
  const command = process.env.TIP_TEST_PYTHON || 'python3';
  const probe = spawnSync(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  const version = probe.status === 0 ? probe.stdout.trim() : undefined;
  const [major, minor] = (version ?? '0.0').split('.').map(Number);
  if (version && (major > 3 || (major === 3 && minor >= 8))) return { command };
  const reason = version
    ? `${command} is Python ${version}; tools/verify-log.py needs 3.8 or later`
    : `${command} cannot be run (${probe.error?.message ?? probe.stderr.trim()}); install Python 3.8+ or set TIP_TEST_PYTHON`;
  if (process.env.CI === 'true') throw new Error(`The independent verifier must run in CI: ${reason}`);
  console.warn(`SKIPPING the tools/verify-log.py checks: ${reason}`);
  return { reason };
}
