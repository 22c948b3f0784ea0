import { afterEach, describe, expect, it, vi } from 'vitest';
import { environmentSetting } from './environment.ts';

describe('environmentSetting', () => {
  afterEach(() => {
    vi.unstubAllGlobals(); // process first: restoring the variables needs it
    vi.unstubAllEnvs();
  });

  it('returns the value without surrounding white space', () => {
    vi.stubEnv('STRUCTLLM_TEST_SETTING', '  sk-value \n');
    expect(environmentSetting('STRUCTLLM_TEST_SETTING')).toBe('sk-value');
  });

  it('treats unset, empty and blank variables alike', () => {
    expect(environmentSetting('STRUCTLLM_TEST_UNSET')).toBeUndefined();
    vi.stubEnv('STRUCTLLM_TEST_SETTING', '');
    expect(environmentSetting('STRUCTLLM_TEST_SETTING')).toBeUndefined();
    vi.stubEnv('STRUCTLLM_TEST_SETTING', '   ');
    expect(environmentSetting('STRUCTLLM_TEST_SETTING')).toBeUndefined();
  });

  it('answers undefined where there is no process (browsers, edge runtimes)', () => {
    vi.stubEnv('STRUCTLLM_TEST_SETTING', 'set');
    vi.stubGlobal('process', undefined);
    expect(environmentSetting('STRUCTLLM_TEST_SETTING')).toBeUndefined();
  });
});
