import type { TestContext } from 'node:test';
import { spawn } from 'node:child_process';

/** Result of one PHP run. */
export interface PhpRun { code: number | null; stdout: string; stderr: string }

/** Runs `php` with the script on stdin and `args` as `$argv[1..]` (30 s cap). */
export function runPhp(script: string, args: string[] = []): Promise<PhpRun> {
  return runCommand('php', ['--', ...args], script);
}

function runCommand(cmd: string, args: string[], input: string): Promise<PhpRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * Whether PHP's SoapClient (php-cli + php-soap) can run. In CI (CI=true) a missing one is a
 * failure; elsewhere the test is skipped with one line saying why.
 */
export async function requirePhpSoap(t: TestContext): Promise<boolean> {
  let reason: string;
  try {
    const r = await runCommand('php', ['-m'], '');
    if (r.code === 0 && /^soap$/m.test(r.stdout)) return true;
    reason = 'php has no soap extension';
  } catch {
    reason = 'php not installed';
  }
  if (process.env.CI === 'true') throw new Error(`CI requires php-cli + php-soap: ${reason}`);
  console.log(`# skipped PHP SoapClient test: ${reason} (apt-get install php-cli php-soap)`);
  t.skip(reason);
  return false;
}
