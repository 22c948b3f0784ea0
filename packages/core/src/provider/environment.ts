/**
 * A provider setting from the environment (`OPENAI_API_KEY`, `ANTHROPIC_BASE_URL`, …):
 * the variable's value with surrounding white space removed, or undefined when it is
 * unset, empty or blank, or when there is no `process.env` (browsers, edge runtimes).
 * For provider authors; core itself reads no variable.
 */
export function environmentSetting(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const value = env?.[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
