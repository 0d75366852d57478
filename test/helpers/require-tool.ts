// A suite that needs a program from outside npm (Chromium, python3 with numpy and PIL) asks here.
// On a developer's machine a missing tool skips the suite with a warning naming what to install;
// with CI=true it fails the run, so CI cannot go green having run neither suite.

export interface ToolCheck {
  /** What is wrong, e.g. "/usr/bin/chromium not found" — '' when the tool is usable. */
  missing: string;
  /** What to install, e.g. "the Debian package chromium". */
  install: string;
  /** The suite that needs it, named in the message. */
  suite: string;
}

export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.toLowerCase();
  return ci === 'true' || ci === '1';
}

/** True when the tool is usable; false (suite skips) when not, unless CI=true, where it throws. */
export function requireTool(check: ToolCheck, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!check.missing) return true;
  const message = `${check.suite} cannot run: ${check.missing}. Install ${check.install}.`;
  if (inCI(env)) throw new Error(`${message} (CI=true, so this fails the run instead of skipping the suite)`);
  console.warn(`SKIPPED ${message}`);
  return false;
}
