import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireTool } from './require-tool';

const chromiumMissing = { missing: '/usr/bin/chromium not found', install: 'the Debian package chromium', suite: 'the browser suite' };

describe('requireTool', () => {
  afterEach(() => vi.restoreAllMocks());

  it('passes when nothing is missing, in CI or not', () => {
    expect(requireTool({ ...chromiumMissing, missing: '' }, { CI: 'true' })).toBe(true);
    expect(requireTool({ ...chromiumMissing, missing: '' }, {})).toBe(true);
  });

  it('skips with a warning naming what to install on a developer machine', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireTool(chromiumMissing, {})).toBe(false);
    expect(warn).toHaveBeenCalledWith('SKIPPED the browser suite cannot run: /usr/bin/chromium not found. Install the Debian package chromium.');
  });

  it('fails the run with CI=true, saying what to install', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(() => requireTool(chromiumMissing, { CI: 'true' })).toThrow(/browser suite cannot run: \/usr\/bin\/chromium not found\. Install the Debian package chromium\..*CI=true/);
    expect(() => requireTool(chromiumMissing, { CI: '1' })).toThrow(/CI=true/);
    expect(requireTool(chromiumMissing, { CI: 'false' })).toBe(false);
  });
});
